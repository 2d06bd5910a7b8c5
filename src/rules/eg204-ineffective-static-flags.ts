/**
 * EG204: external-linker flags (`-linkmode external`, `-extldflags`) in the Go build info of a
 * binary built with CGO_ENABLED=0, where Go links internally and ignores them.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';
import { goFiles, goSetting } from './facts.js';

export const EG204: Rule = {
  id: 'EG204',
  name: 'ineffective-static-flags',
  defaultLevel: 'note',
  shortDescription: 'Static linking flags that have no effect',
  fullDescription:
    '`-extldflags "-static"` or `-linkmode external` is passed to a Go build with CGO_ENABLED=0, where the external linker is not used and the flags are silently ignored.',
  runtimeError: '',
  why: [
    'With `CGO_ENABLED=0` Go links internally and the binary is static anyway; the flags only',
    'matter with cgo. Their presence suggests that someone believes the build is static because',
    'of them: the day `CGO_ENABLED=0` is removed, the binary becomes a static glibc binary with',
    'NSS (EG203) or a dynamic one that fails FROM scratch (EG202).',
  ].join('\n'),
  fix: [
    'Remove the flags so that the build says what it does:',
    '',
    '```diff',
    '-RUN CGO_ENABLED=0 go build -ldflags \'-s -w -extldflags "-static"\' -o /out/app .',
    "+RUN CGO_ENABLED=0 go build -ldflags '-s -w' -o /out/app .",
    '```',
  ].join('\n'),
  safeToIgnore: 'Always: the image runs. The note is about a misleading build line.',
  tags: ['maintainability', 'go', 'dockerfile'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { file, elf } of goFiles(ctx.image)) {
      const cgo = goSetting(elf, 'CGO_ENABLED');
      const ldflags = goSetting(elf, '-ldflags') ?? '';
      if (cgo !== '0' || !/-linkmode[= ]external|-extldflags/.test(ldflags)) continue;
      findings.push(
        finding(
          'EG204',
          EG204.defaultLevel,
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
    return findings;
  },
};
