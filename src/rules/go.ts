/**
 * EG201, EG203, EG204, EG205: Go binaries against what the Dockerfile declares and against the
 * flags they were built with (EG202 is decided with the interpreter, in loader.ts).
 */
import type { Artifact } from '../dockerfile/types.js';
import type { ElfFacts } from '../elf/types.js';
import type { Finding } from '../findings.js';
import type { ImageFile } from '../image/types.js';
import { ruleMeta } from './catalog.js';
import {
  artifactFor,
  blameFile,
  blameImage,
  finding,
  type Rule,
  type RuleContext,
} from './context.js';
import { goSetting, imageArchitecture } from './facts.js';

const TRIPLE = ['GOOS', 'GOARCH', 'CGO_ENABLED'] as const;

function goFiles(ctx: RuleContext): { file: ImageFile; elf: ElfFacts }[] {
  const out: { file: ImageFile; elf: ElfFacts }[] = [];
  for (const file of ctx.image.files.values()) {
    if (file.type === 'file' && file.linkTarget === null && file.elf?.go)
      out.push({ file, elf: file.elf });
  }
  return out;
}

export const goRules: Rule = {
  ids: ['EG201', 'EG203', 'EG204', 'EG205'],
  check(ctx) {
    const findings: Finding[] = [];
    const arch = imageArchitecture(ctx.image.config);
    const model = ctx.dockerfile?.model ?? null;
    const reportedPlatform = new Set<Artifact>();

    for (const { file, elf } of goFiles(ctx)) {
      const artifact = model ? artifactFor(model, file.path) : null;
      if (artifact) {
        for (const key of TRIPLE) {
          const declared = artifact.declared[key];
          const actual = goSetting(elf, key);
          // An implicit value is the model's reading of Go's defaults, not something the author
          // wrote; when the binary disagrees, the reading was wrong, not the Dockerfile.
          if (
            declared.value === null ||
            declared.implicit ||
            actual === null ||
            declared.value === actual
          )
            continue;
          findings.push(
            finding(
              'EG201',
              ruleMeta('EG201').defaultLevel,
              file.path,
              `${file.path} was built with ${key}=${actual}, but the Dockerfile declares ${key}=${declared.value}`,
              [
                `Go build info: ${key}=${actual}`,
                `Dockerfile: ${key}=${declared.value} (${declared.origin})`,
              ],
              blameFile(ctx, file.path),
            ),
          );
        }
        const goarch = artifact.declared.GOARCH;
        if (
          goarch.value !== null &&
          !goarch.implicit &&
          goarch.value !== arch.goarch &&
          !reportedPlatform.has(artifact)
        ) {
          reportedPlatform.add(artifact);
          findings.push(
            finding(
              'EG205',
              ruleMeta('EG205').defaultLevel,
              file.path,
              `The Dockerfile builds ${file.path} for GOARCH=${goarch.value}, but the image is ${arch.platform}`,
              [
                `Dockerfile: GOARCH=${goarch.value} (${goarch.origin})`,
                `image config: ${arch.platform}`,
              ],
              blameFile(ctx, file.path),
            ),
          );
        }
      }

      const cgo = goSetting(elf, 'CGO_ENABLED');
      const signals = elf.goSignals;
      const staticLink = elf.linkage === 'static' || elf.linkage === 'static-pie';
      if (cgo === '1' && staticLink && signals && (signals.cgoResolver || signals.cgoUser)) {
        const uses = [
          signals.cgoResolver ? 'the cgo DNS resolver (getaddrinfo)' : null,
          signals.cgoUser ? 'cgo os/user (getpwuid_r)' : null,
        ].filter((u) => u);
        findings.push(
          finding(
            'EG203',
            ruleMeta('EG203').defaultLevel,
            file.path,
            `${file.path} is a statically linked cgo binary that uses glibc's NSS (${uses.join(', ')})`,
            [
              `Go build info: CGO_ENABLED=1, ${elf.linkage} (no PT_INTERP)`,
              ...(elf.libc === 'glibc-static' ? elf.libcEvidence.map((e) => `glibc: ${e}`) : []),
              'glibc loads NSS modules (libnss_*.so) with dlopen at run time, which a static binary cannot do reliably',
            ],
            blameFile(ctx, file.path),
          ),
        );
      }

      const ldflags = goSetting(elf, '-ldflags') ?? '';
      if (cgo === '0' && /-linkmode[= ]external|-extldflags/.test(ldflags)) {
        findings.push(
          finding(
            'EG204',
            ruleMeta('EG204').defaultLevel,
            file.path,
            `${file.path} was built with CGO_ENABLED=0, so -ldflags '${ldflags}' had no effect`,
            [
              `Go build info: CGO_ENABLED=0, -ldflags=${ldflags}`,
              'with cgo off Go links internally; the external-linker flags are ignored',
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
    }

    if (model && model.finalStage.platformPinned) {
      const pinned = model.finalStage.platform;
      const pinnedArch = pinned.split('/')[1];
      if (pinnedArch && pinnedArch !== arch.goarch) {
        findings.push(
          finding(
            'EG205',
            ruleMeta('EG205').defaultLevel,
            null,
            `The final stage is pinned to ${pinned}, but the image is ${arch.platform}`,
            [`FROM --platform=${pinned}`, `image config: ${arch.platform}`],
            blameImage(ctx),
          ),
        );
      }
    }
    return findings;
  },
};
