/**
 * EG105: undefined, non-weak dynamic symbols of an object that none of the libraries the loader
 * would load define (as `ldd -r` reports), once per object, from the loader simulation.
 */
import type { Finding } from '../findings.js';
import type { SymbolUnresolved } from '../loader/index.js';
import { finding, listSome, type Rule } from './context.js';
import { groupReporting, problemGroups } from './support/loads.js';

export const EG105: Rule = {
  id: 'EG105',
  name: 'symbol-unresolved',
  defaultLevel: 'error',
  shortDescription: 'Undefined dynamic symbol defined by no loaded library',
  fullDescription:
    'An undefined, non-weak dynamic symbol of the ELF is defined by none of the libraries the loader would load for it in this image (as `ldd -r` reports). The program fails when the symbol is bound: at start with BIND_NOW, otherwise on first call.',
  runtimeError: '/app: symbol lookup error: /app: undefined symbol: foo_init',
  why: [
    'The library with the right name was found, but it is a different build than the one the',
    'binary was linked against (another major version under the same soname, a stripped-down',
    'variant, or a glibc `ld.so` and `libc.so.6` from different releases, which gives',
    '`undefined symbol: __tunable_is_initialized, version GLIBC_PRIVATE`). musl reports',
    '`Error relocating /app: foo_init: symbol not found`. With lazy binding the failure waits for',
    'the first call, which may be deep in a request path.',
    '',
    'A shared object a program loads itself (a Python extension module, a Node addon, a JNI',
    'library, a plugin) is checked the same way, by its versioned references: a glibc-built',
    'module in a musl image needs `__strncpy_chk@GLIBC_2.3.4` (from `_FORTIFY_SOURCE`), which musl',
    'lacks, and `dlopen` fails with `Error relocating /app/plugin.so: __strncpy_chk: symbol not',
    'found`. That is an error when the Dockerfile put the module there or it sits where an',
    'interpreter of the image loads modules from (`site-packages`, `dist-packages`,',
    "`node_modules`, the JVM's `lib`); a warning for a library nothing is known to load.",
  ].join('\n'),
  fix: [
    'Ship the library build the binary was linked with: install the same package version in the',
    'final stage, or copy the library from the build stage together with the binary:',
    '',
    '```diff',
    ' FROM debian:bookworm-slim',
    ' COPY --from=build /out/app /app',
    '+COPY --from=build /usr/lib/x86_64-linux-gnu/libfoo.so.1 /usr/lib/x86_64-linux-gnu/',
    '```',
    '',
    "Never overwrite the image's `libc.so.6` or `ld-linux` with files from another release.",
  ].join('\n'),
  safeToIgnore:
    'When the symbol is only reached by code the container never runs and the binary is not linked with BIND_NOW. Record the reason in the suppression.',
  tags: ['reliability', 'loader', 'container'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    for (const group of problemGroups(ctx)) {
      if (group.problems[0].kind !== 'symbol-unresolved') continue;
      const { object, breaksLine, blame, level, withError } = groupReporting(ctx, group);
      const symbols = group.problems as SymbolUnresolved[];
      const fatal = symbols.some((s) => s.fatalAtStart);
      const names = symbols.map((s) => (s.version ? `${s.symbol}@${s.version}` : s.symbol));
      findings.push(
        withError(
          finding(
            'EG105',
            level(fatal ? 'error' : 'warning'),
            object,
            fatal
              ? `${object} uses symbols that no loaded library defines: ${listSome(names)}`
              : `${object} calls functions that no loaded library defines (${listSome(names)}); it fails when one is first called`,
            [
              ...symbols
                .slice(0, 10)
                .map(
                  (s) =>
                    `undefined ${s.symbolType} ${s.symbol}${s.version ? ` (version ${s.version})` : ''}${s.fatalAtStart ? ', bound at start' : ', bound lazily'}`,
                ),
              ...(symbols.length > 10 ? [`and ${symbols.length - 10} more`] : []),
              ...breaksLine,
            ],
            blame,
          ),
        ),
      );
    }
    return findings;
  },
};
