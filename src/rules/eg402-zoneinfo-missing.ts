/**
 * EG402: a Go program that loads time zones by name, without time/tzdata embedded, in an image
 * without a zoneinfo database in the directories Go reads (or ZONEINFO).
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, type Rule } from './context.js';
import { imageEnv } from './facts.js';
import { goPrograms, hasFilesUnder, ZONEINFO_DIRS } from './support/runtime-files.js';

export const EG402: Rule = {
  id: 'EG402',
  name: 'zoneinfo-missing',
  defaultLevel: 'warning',
  shortDescription: 'Go binary loads time zones but the image has no zoneinfo',
  fullDescription:
    'A Go binary links time.LoadLocation without embedding time/tzdata, and the image has no zoneinfo database (/usr/share/zoneinfo, /usr/share/lib/zoneinfo, /usr/lib/locale/TZ).',
  runtimeError: 'unknown time zone Europe/Berlin',
  why: [
    "Go reads time zones from the image's files unless the binary embeds them. In `scratch` or",
    'Alpine without `tzdata`, `time.LoadLocation("Europe/Berlin")` returns `unknown time zone',
    'Europe/Berlin` and `TZ=Europe/Berlin` silently gives UTC. The rule reads the function table:',
    'a linked function may never be called.',
  ].join('\n'),
  fix: [
    'Embed the database in the binary:',
    '',
    '```diff',
    '-RUN CGO_ENABLED=0 go build -o /out/app .',
    '+RUN CGO_ENABLED=0 go build -tags timetzdata -o /out/app .',
    '```',
    '',
    '(or `import _ "time/tzdata"` in `main`), or copy `/usr/share/zoneinfo` from the build stage.',
  ].join('\n'),
  safeToIgnore: 'When the program only uses UTC and fixed offsets.',
  tags: ['reliability', 'go', 'files', 'container'],
  precision: 'medium',
  check(ctx) {
    const view = ctx.image;
    const findings: Finding[] = [];
    const zoneinfo =
      imageEnv(view, 'ZONEINFO') ?? ZONEINFO_DIRS.find((d) => hasFilesUnder(view, d)) ?? null;
    if (zoneinfo !== null) return findings;
    for (const { file, signals } of goPrograms(view)) {
      if (!signals.timeLoadLocation || signals.embeddedTzdata) continue;
      findings.push(
        finding(
          'EG402',
          EG402.defaultLevel,
          file.path,
          `${file.path} can load time zones by name, and the image has no zoneinfo (and no embedded time/tzdata)`,
          [
            'linked: time.LoadLocation; not linked: time/tzdata',
            `${ZONEINFO_DIRS.join(', ')}: absent or empty; ZONEINFO unset`,
          ],
          blameFile(ctx, file.path),
        ),
      );
    }
    return findings;
  },
};
