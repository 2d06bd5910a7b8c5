/**
 * With the section headers gone (e_shoff, e_shnum and e_shstrndx zeroed, as
 * `strip --strip-section-headers` or a packer leaves a file), every fact must come out the same:
 * the loader never reads section headers, and neither may we.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { analyzeElf } from '../../src/elf/index.js';
import type { ElfFacts } from '../../src/elf/types.js';
import { reportSkip } from '../support/skip.js';
import { elfSamples } from './samples.js';
import { withoutSectionHeaders } from './strip.js';

/** Notes outside PT_NOTE (non-allocated ones) exist only in section headers: compare the rest. */
function comparable(facts: ElfFacts): Partial<ElfFacts> {
  return Object.fromEntries(Object.entries(facts).filter(([key]) => key !== 'notes'));
}

describe('facts without section headers', () => {
  it('are the same as with them, for every sample file', () => {
    const files = elfSamples();
    if (!files) {
      reportSkip('section-stripped comparison', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const differing: string[] = [];
    let goFiles = 0;
    let dynamicFiles = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const full = analyzeElf(bytes, file);
      const stripped = analyzeElf(withoutSectionHeaders(bytes), file);
      if (full.go) goFiles++;
      if (full.hasDynamic) dynamicFiles++;
      try {
        expect(comparable(stripped)).toEqual(comparable(full));
      } catch {
        differing.push(file);
      }
    }
    process.stdout.write(
      `section-stripped copies: ${files.length} files (${dynamicFiles} dynamic, ${goFiles} Go) give the same facts\n`,
    );
    expect(differing).toEqual([]);
  }, 600_000);
});
