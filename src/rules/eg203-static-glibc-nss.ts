/**
 * EG203: a statically linked cgo Go binary that uses glibc's NSS (the cgo DNS resolver or cgo
 * os/user), which dlopens libnss_*.so modules at run time even in a static binary.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';
import { goFiles, goSetting } from './facts.js';

export const EG203: Rule = {
  id: 'EG203',
  name: 'static-glibc-nss',
  defaultLevel: 'warning',
  shortDescription: 'Statically linked glibc binary uses NSS',
  fullDescription:
    'A statically linked glibc binary calls NSS functions (getaddrinfo, getpwuid_r, getpwnam_r, ...), which load shared NSS modules at run time even in a static binary.',
  runtimeError:
    'fatal error: unexpected signal during runtime execution\n[signal SIGSEGV: segmentation violation]',
  why: [
    'glibc implements name and user lookups by `dlopen`ing `libnss_*.so.2` modules of the same',
    "glibc release as the one linked in. The linker warns (`Using 'getaddrinfo' in statically",
    'linked applications requires at runtime the shared libraries from the glibc version used for',
    'linking`), but the build succeeds. In `scratch` the modules are absent and lookups fail; with',
    'modules of another release the process can crash inside `getaddrinfo` (Go: a SIGSEGV in',
    '`C.getaddrinfo`, exit 139; glibc bug 19341). This is what `CGO_ENABLED=1` with',
    '`-ldflags \'-extldflags "-static"\'` produces.',
  ].join('\n'),
  fix: [
    "For Go, use the pure-Go resolver and user lookup instead of glibc's:",
    '',
    '```diff',
    '-RUN go build -ldflags \'-linkmode external -extldflags "-static"\' -o /out/app .',
    '+RUN CGO_ENABLED=0 go build -o /out/app .',
    '```',
    '',
    'or, when cgo is needed for other code, build with `-tags netgo,osusergo` so that lookups do',
    'not go through NSS.',
  ].join('\n'),
  safeToIgnore:
    'When the NSS functions are linked but never called in this deployment (no host name or user lookups), or the image ships the NSS modules of the exact glibc release used for linking.',
  tags: ['reliability', 'libc', 'static', 'container'],
  precision: 'medium',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { file, elf } of goFiles(ctx.image)) {
      const cgo = goSetting(elf, 'CGO_ENABLED');
      const signals = elf.goSignals;
      const staticLink = elf.linkage === 'static' || elf.linkage === 'static-pie';
      if (cgo !== '1' || !staticLink || !signals || !(signals.cgoResolver || signals.cgoUser))
        continue;
      const uses = [
        signals.cgoResolver ? 'the cgo DNS resolver (getaddrinfo)' : null,
        signals.cgoUser ? 'cgo os/user (getpwuid_r)' : null,
      ].filter((u) => u);
      findings.push(
        finding(
          'EG203',
          EG203.defaultLevel,
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
    return findings;
  },
};
