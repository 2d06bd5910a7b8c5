/**
 * The model against the corpus of real Dockerfiles (../shared/corpus, shared/corpus/README.md):
 * every file read for a linux/amd64 target on a linux/amd64 builder; the GOOS/GOARCH/CGO_ENABLED
 * values the Dockerfile itself determines must agree at least 95% with what careful readers
 * concluded. The notation mapping is documented in corpus-agreement.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { reportSkip } from '../support/skip.js';
import { compareCorpus, expectedValue, formatAgreement } from './corpus-agreement.js';

const corpus = resolve('..', 'shared', 'corpus');

describe('corpus notation mapping (shared/corpus/README.md)', () => {
  it('maps each notation to the linux/amd64 value or to "not determined"', () => {
    expect(expectedValue('GOOS', 'native:target')).toBe('linux');
    expect(expectedValue('GOARCH', 'native:build')).toBe('amd64');
    expect(expectedValue('GOARCH', 'xx:$TARGETARCH')).toBe('amd64');
    expect(expectedValue('GOOS', '$TARGETOS')).toBe('linux');
    expect(expectedValue('CGO_ENABLED', 'unset(gcc)')).toBe('1');
    expect(expectedValue('CGO_ENABLED', 'unset(no-cc)')).toBe('0');
    expect(expectedValue('GOARCH', 'amd64 (stage ARG default)')).toBe('amd64');
    expect(expectedValue('CGO_ENABLED', 'unclear')).toBeNull();
    expect(expectedValue('GOARCH', '$ARCH')).toBeNull();
    expect(expectedValue('GOARCH', 'case($TARGETPLATFORM)')).toBeNull();
  });
});

describe('the corpus of real Dockerfiles', () => {
  if (!existsSync(resolve(corpus, 'ground_truth.json'))) {
    it('is absent', () => reportSkip('corpus agreement', `${corpus} does not exist`));
    return;
  }

  it('agrees with the ground truth on at least 95% of the values the Dockerfiles determine', () => {
    const result = compareCorpus(corpus);
    const table = formatAgreement(result);
    process.stdout.write(table + '\n');
    expect(result.files).toBe(82);
    expect(result.errors).toEqual([]);
    expect(result.determined).toBeGreaterThanOrEqual(190);
    const agreement = result.agreed / result.determined;
    if (agreement < 0.95)
      throw new Error(`agreement ${(100 * agreement).toFixed(1)}% is under 95%\n${table}`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
  });

  it('also agrees when cross-building for linux/arm64 on a linux/amd64 builder', () => {
    const result = compareCorpus(corpus, 'arm64');
    const table = formatAgreement(result);
    process.stdout.write(table + '\n');
    expect(result.errors).toEqual([]);
    const agreement = result.agreed / result.determined;
    if (agreement < 0.95)
      throw new Error(`agreement ${(100 * agreement).toFixed(1)}% is under 95%\n${table}`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
  });
});
