/**
 * EG501: a checksec-style summary (PIE, RELRO, NX, stack protector) for the files the
 * Dockerfile puts into the image and the entrypoint; base-image files are not summarised.
 */
import type { ElfFacts } from '../elf/types.js';
import type { Finding } from '../findings.js';
import { artifactFor, blameFile, finding, type Rule } from './context.js';
import { resolveEntrypoint } from './support/entrypoint.js';

function summary(elf: ElfFacts): { missing: string[]; line: string } {
  const canary = elf.undefinedSymbols.some(
    (s) => s.name === '__stack_chk_fail' || s.name === '__stack_chk_guard',
  );
  const fortify = elf.undefinedSymbols.some(
    (s) => /^__\w+_chk$/.test(s.name) && s.name !== '__stack_chk_fail',
  );
  const pie = elf.pie || elf.staticPie;
  // A shared library is position-independent by nature: PIE is a property of programs.
  const library = elf.linkage === 'shared-library';
  const missing = [
    pie || library ? null : 'PIE',
    elf.relro === 'full' ? null : `full RELRO (${elf.relro})`,
    elf.nx ? null : 'NX',
    canary || elf.go ? null : 'stack protector',
  ].filter((m): m is string => m !== null);
  const line = `${library ? 'shared library' : `PIE ${pie ? 'yes' : 'no'}`}, RELRO ${elf.relro}, NX ${elf.nx ? 'yes' : 'no'}, stack protector ${canary ? 'yes' : 'no'}, fortify ${fortify ? 'yes' : 'no'}`;
  return { missing, line };
}

export const EG501: Rule = {
  id: 'EG501',
  name: 'hardening',
  defaultLevel: 'note',
  shortDescription: 'Binary hardening summary (PIE, RELRO, NX, stack protector)',
  fullDescription:
    'Reports which hardening features an ELF lacks, as checksec reports them: position-independent executable, RELRO (partial or full), non-executable stack, stack protector.',
  runtimeError: '',
  why: [
    'These features make memory-corruption bugs harder to exploit; they do not change whether',
    'the program starts. Go binaries linked internally legitimately show no RELRO and no stack',
    'protector.',
  ].join('\n'),
  fix: [
    'For C code, build with the distribution hardening flags; for Go, use PIE where a loader is',
    'present:',
    '',
    '```diff',
    '-RUN go build -o /out/app .',
    '+RUN go build -buildmode=pie -o /out/app .',
    '```',
    '',
    '(A PIE Go binary needs the dynamic loader: do not do this for a `scratch` image, see EG101.)',
  ].join('\n'),
  safeToIgnore:
    'Usually: this is informational. Disable the rule in the config if you do not want it.',
  tags: ['hardening', 'informational'],
  precision: 'high',
  check(ctx) {
    const paths = new Set<string>();
    const entry = resolveEntrypoint(ctx.image);
    if (entry?.path) {
      const r = ctx.image.resolve(entry.path);
      if (r.found) paths.add(r.path);
    }
    if (ctx.dockerfile) {
      for (const file of ctx.image.files.values()) {
        if (file.elf && file.type === 'file' && artifactFor(ctx.dockerfile.model, file.path))
          paths.add(file.path);
      }
    }
    const findings: Finding[] = [];
    for (const p of [...paths].sort()) {
      const elf = ctx.image.files.get(p)?.elf;
      if (!elf || elf.linkage === 'relocatable') continue;
      const { missing, line } = summary(elf);
      if (missing.length === 0) continue;
      findings.push(
        finding(
          'EG501',
          EG501.defaultLevel,
          p,
          `${p} is built without ${missing.join(', ')}`,
          [
            line,
            ...(elf.go
              ? ['Go-linked code has no C stack protector; its internal linker emits no RELRO']
              : []),
          ],
          blameFile(ctx, p),
        ),
      );
    }
    return findings;
  },
};
