/**
 * EG115: a glibc program that opens character-set converters (iconv_open), in an image without
 * glibc's gconv modules: only the converters built into libc.so.6 exist.
 */
import type { Finding } from '../findings.js';
import { blameFile, finding, listSome, type Rule } from './context.js';
import { hiddenLoadGroups } from './support/hidden-loads.js';

export const EG115: Rule = {
  id: 'EG115',
  name: 'gconv-modules-missing',
  defaultLevel: 'warning',
  shortDescription: 'iconv_open has no gconv modules to load',
  fullDescription:
    'The program calls `iconv_open`. glibc builds in only the UTF-8/16/32, UCS-2/4 and ASCII converters and loads every other one (ISO-8859-*, CP1252, Shift_JIS, ...) as a gconv module listed in `gconv-modules` or `gconv-modules.cache` under its compiled-in gconv directory (or `GCONV_PATH`). The image has neither, so opening any other converter fails.',
  runtimeError: 'iconv_open: Invalid argument',
  why: [
    'iconv/gconv_conf.c reads the gconv configuration from `GCONV_PATH` and the directory compiled',
    'into libc.so.6 (`/usr/lib/x86_64-linux-gnu/gconv` on Debian). Without it `iconv_open`',
    'returns -1 with `EINVAL` for every charset glibc does not build in; nothing is printed',
    'unless the program reports it. `gcr.io/distroless/base` and images that copy only',
    '`libc.so.6` have no gconv directory.',
  ].join('\n'),
  fix: [
    "Copy glibc's gconv directory from the build stage (or install `libc6` fully):",
    '',
    '```diff',
    ' FROM gcr.io/distroless/base-debian12',
    '+COPY --from=build /usr/lib/x86_64-linux-gnu/gconv /usr/lib/x86_64-linux-gnu/gconv',
    '```',
  ].join('\n'),
  safeToIgnore: 'When the program converts only between UTF-8, UTF-16, UTF-32, UCS-2/4 and ASCII.',
  tags: ['reliability', 'glibc', 'container'],
  precision: 'medium',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { load, programs } of hiddenLoadGroups(ctx, 'gconv')) {
      if (load.found !== null) continue;
      findings.push(
        finding(
          'EG115',
          EG115.defaultLevel,
          programs[0],
          `${programs[0]} opens character-set converters (iconv_open), and the image has no gconv modules: only UTF and ASCII conversions work`,
          [
            load.searchedDirs.length > 0
              ? `no gconv-modules or gconv-modules.cache in ${listSome(load.searchedDirs)}`
              : `${load.libc} names no gconv directory and GCONV_PATH is unset`,
            `calls iconv_open (imported by ${listSome(
              load.uses.map((u) => u.object),
              4,
            )})`,
            ...(programs.length > 1 ? [`also in: ${listSome(programs.slice(1), 4)}`] : []),
          ],
          blameFile(ctx, ...programs),
        ),
      );
    }
    return findings;
  },
};
