/**
 * EG102: a glibc program whose interpreter resolves to musl's loader (or the reverse), from the
 * loader simulation: an error when the other C library lacks a symbol it needs, else a warning.
 */
import type { Finding } from '../findings.js';
import type { SymbolUnresolved } from '../loader/index.js';
import { blameFile, finding, type Rule } from './context.js';
import { flavorMismatch, interpretedPrograms, loaderError } from './support/loads.js';

export const EG102: Rule = {
  id: 'EG102',
  name: 'libc-flavor-mismatch',
  defaultLevel: 'error',
  shortDescription: 'glibc binary runs on the musl loader (or the reverse)',
  fullDescription:
    "An ELF linked against glibc resolves its interpreter to musl's loader (Alpine with libc6-compat or gcompat), or a musl-linked ELF runs under glibc's loader. Error when a symbol it needs is missing from the other C library; warning when every symbol resolves, because the two libraries still differ in ABI and behaviour.",
  runtimeError: 'Error relocating /app: __fprintf_chk: symbol not found',
  why: [
    "musl answers for `libc.so.6` and its loader path is often symlinked to glibc's name",
    '(`libc6-compat`, `gcompat`), so the program starts, and then the loader finds that glibc-only',
    'symbols (`__fprintf_chk`, `gnu_get_libc_version`, `__libc_start_main@GLIBC_2.34`, ...) are',
    'not defined: musl prints `Error relocating /app: <symbol>: symbol not found` and the process',
    'exits with status 127. When every symbol happens to resolve, the program runs on a C library',
    'it was not built for: structure layouts and behaviours differ (`stat`, locale, DNS, threads)',
    'and crashes (SIGSEGV, exit 139) can follow at any point.',
  ].join('\n'),
  fix: [
    'Build the binary in a stage with the same C library as the final stage:',
    '',
    '```diff',
    '-FROM golang:1.22 AS build',
    '+FROM golang:1.22-alpine AS build',
    '+RUN apk add --no-cache build-base',
    ' WORKDIR /src',
    ' COPY . .',
    ' RUN go build -o /out/app .',
    ' ',
    ' FROM alpine:3.20',
    '-RUN apk add --no-cache libc6-compat',
    ' COPY --from=build /out/app /app',
    '```',
    '',
    'or, for Go without C code, `CGO_ENABLED=0` so that the binary needs no C library at all.',
  ].join('\n'),
  safeToIgnore:
    'At warning level, when the binary has been tested on this exact base and only uses plain POSIX calls. Never at error level: the missing symbol stops the program.',
  tags: ['reliability', 'loader', 'libc', 'container'],
  precision: 'high',
  confirmedBy: 'load',
  check(ctx) {
    const findings: Finding[] = [];
    for (const { sim, elf, interp } of interpretedPrograms(ctx)) {
      if (interp.status !== 'ok' || !flavorMismatch(sim, elf)) continue;
      const fatal = sim.problems.filter(
        (p) =>
          (p.kind === 'symbol-unresolved' && p.fatalAtStart) ||
          p.kind === 'library-missing' ||
          p.kind === 'library-unloadable',
      );
      const symbols = sim.problems.filter(
        (p): p is SymbolUnresolved => p.kind === 'symbol-unresolved',
      );
      const programLibc = elf.libc === 'glibc-dynamic' ? 'glibc' : 'musl';
      const firstFatal = fatal[0];
      const mismatchFinding = finding(
        'EG102',
        fatal.length > 0 ? 'error' : 'warning',
        sim.path,
        fatal.length > 0
          ? `${sim.path} is linked against ${programLibc} but would run on ${sim.flavor}, which lacks symbols it needs`
          : symbols.length > 0
            ? `${sim.path} is linked against ${programLibc} but would run on ${sim.flavor}; it starts, but ${symbols.length} symbol(s) it calls are missing there and fail when first called`
            : `${sim.path} is linked against ${programLibc} but would run on ${sim.flavor}; every symbol resolves, but the ABIs differ`,
        [
          `PT_INTERP ${interp.requested} resolves to ${interp.path} (${interp.flavorEvidence})`,
          ...interp.via.map((v) => `via ${v}`),
          ...elf.libcEvidence.map((e) => `program: ${e}`),
          ...symbols
            .slice(0, 8)
            .map((s) => `Error relocating ${s.object}: ${s.symbol}: symbol not found`),
          ...(symbols.length > 8 ? [`and ${symbols.length - 8} more unresolved symbols`] : []),
        ],
        blameFile(ctx, sim.path),
      );
      // Nothing fails at start at warning level: the rule's generic start error does not apply.
      const runtimeError = firstFatal ? loaderError(firstFatal, sim.flavor, sim.path) : '';
      findings.push({ ...mismatchFinding, runtimeError });
    }
    return findings;
  },
};
