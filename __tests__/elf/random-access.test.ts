/**
 * Reading facts from disk fetches ranges, not the file: on the largest Go binary of the samples
 * (dockerd, ~75 MB) no single read is larger than its dynamic string table or a 1 MiB scan
 * window, and the facts equal those read from the whole file in memory.
 */
import { describe, expect, it } from '@jest/globals';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { analyzeElf, fileDescriptorSource, parseElf } from '../../src/elf/index.js';
import { reportSkip } from '../support/skip.js';
import { elfSamples } from './samples.js';

describe('random access', () => {
  it('reads a large binary in bounded ranges', () => {
    const largest = (elfSamples() ?? []).sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (!largest) {
      reportSkip('random-access test', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const fd = openSync(largest, 'r');
    try {
      const source = fileDescriptorSource(fd);
      let total = 0;
      let largestRead = 0;
      const facts = parseElf({
        size: source.size,
        read(offset, length) {
          total += length;
          largestRead = Math.max(largestRead, length);
          return source.read(offset, length);
        },
      });
      process.stdout.write(
        `random access: ${largest} (${source.size} bytes): largest read ${largestRead}, ${total} bytes read in all\n`,
      );
      expect(source.size).toBeGreaterThan(40 << 20);
      expect(largestRead).toBeLessThanOrEqual(8 << 20);
      expect(facts).toEqual(analyzeElf(readFileSync(largest), largest));
    } finally {
      closeSync(fd);
    }
  });
});
