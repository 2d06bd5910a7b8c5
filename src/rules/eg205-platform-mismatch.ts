/**
 * EG205: the image platform differs from what the Dockerfile declares: a binary's declared
 * GOARCH (once per Dockerfile artifact), or the final stage's FROM --platform.
 */
import type { Artifact } from '../dockerfile/types.js';
import { goarchExecutability } from '../exec/compat.js';
import type { Finding } from '../findings.js';
import { artifactFor, blameFile, blameImage, finding, type Rule } from './context.js';
import { goFiles, imageArchitecture } from './facts.js';

export const EG205: Rule = {
  id: 'EG205',
  name: 'platform-mismatch',
  defaultLevel: 'error',
  shortDescription: 'Image platform differs from the declared GOOS/GOARCH or --platform',
  fullDescription:
    "The image config's os/architecture differs from what the Dockerfile declares for a binary: its GOOS/GOARCH, the stage's FROM --platform, or the requested build platform.",
  runtimeError: 'exec /app: exec format error',
  why: [
    'The image is labelled for one platform and carries binaries built for another: a',
    '`GOARCH=amd64` hard-coded in a multi-platform build, or a `FROM --platform=linux/amd64`',
    'final stage in an arm64 build. Hosts of the labelled platform pull it and fail with',
    '`exec format error` (or run it slowly under emulation where QEMU is registered).',
  ].join('\n'),
  fix: [
    'Derive the Go target from the build platform instead of hard-coding it:',
    '',
    '```diff',
    ' FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    '+ARG TARGETOS TARGETARCH',
    '-RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /out/app .',
    '+RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
    '```',
  ].join('\n'),
  safeToIgnore: 'Never for an image pushed under that platform.',
  tags: ['reliability', 'architecture', 'dockerfile'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    const arch = imageArchitecture(ctx.image.config);
    const model = ctx.dockerfile?.model ?? null;
    if (!model) return findings;
    const reportedPlatform = new Set<Artifact>();
    for (const { file } of goFiles(ctx.image)) {
      const artifact = artifactFor(model, file.path);
      if (!artifact) continue;
      const goarch = artifact.declared.GOARCH;
      // 386 on amd64 runs (IA32 emulation); arm on arm64 only on CPUs with AArch32.
      const runs = goarch.value === null ? null : goarchExecutability(goarch.value, arch.goarch);
      if (
        goarch.value !== null &&
        runs !== null &&
        !goarch.implicit &&
        (runs.runs === 'no' || runs.runs === 'depends') &&
        !reportedPlatform.has(artifact)
      ) {
        reportedPlatform.add(artifact);
        findings.push(
          finding(
            'EG205',
            runs.runs === 'depends' ? 'warning' : EG205.defaultLevel,
            file.path,
            `The Dockerfile builds ${file.path} for GOARCH=${goarch.value}, but the image is ${arch.platform}`,
            [
              `Dockerfile: GOARCH=${goarch.value} (${goarch.origin})`,
              `image config: ${arch.platform}`,
              ...(runs.runs === 'depends' ? [runs.depends] : []),
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
    }

    if (model.finalStage.platformPinned) {
      const pinned = model.finalStage.platform;
      const pinnedArch = pinned.split('/')[1];
      if (pinnedArch && pinnedArch !== arch.goarch) {
        findings.push(
          finding(
            'EG205',
            EG205.defaultLevel,
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
