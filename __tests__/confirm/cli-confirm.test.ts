import { describe, expect, it } from '@jest/globals';
import { parseScanArgs } from '../../src/cli/scan.js';
import { UsageError } from '../../src/errors.js';

describe('scan --confirm on the command line', () => {
  it('is off unless asked; --confirm asks about the findings, --confirm=all about every ELF', () => {
    expect(parseScanArgs(['--image', 'app:1']).confirm).toBeUndefined();
    expect(parseScanArgs(['--image', 'app:1', '--confirm']).confirm).toBe('findings');
    expect(parseScanArgs(['--confirm=all', '--archive', 'a.tar']).confirm).toBe('all');
  });

  it('refuses any other value, naming it', () => {
    expect(() => parseScanArgs(['--image', 'app:1', '--confirm=some'])).toThrow(
      new UsageError("--confirm takes no value or '=all', not 'some'"),
    );
  });
});
