import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';
import { BASE, engine, ensureBaseImages, saveImage } from '../support/engine.js';

/** EG107 compares NT_GNU_ABI_TAG with the configured kernel minimum, and is silent without one. */
describe('the kernel minimum (EG107)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'kernel-minimum-'));
  const archive = path.join(work, 'bookworm.tar');
  let ready = false;
  beforeAll(async () => {
    if (!(await engine('EG107 on bookworm'))) return;
    await ensureBaseImages(['bookworm']);
    await saveImage(BASE.bookworm, archive);
    ready = true;
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("warns about glibc's libc.so.6 below its ABI tag, and not at or above it", async () => {
    if (!ready) return;
    // readelf on this machine's Debian 12 libc (the same glibc build) tells the tag.
    const notes = execFileSync('readelf', ['-n', '/lib/x86_64-linux-gnu/libc.so.6'], {
      encoding: 'utf8',
    });
    const abi = /OS: Linux, ABI: (\d+\.\d+\.\d+)/.exec(notes)?.[1];
    expect(abi).toBe('3.2.0');
    const below = await scan({ source: { kind: 'archive', path: archive }, kernelMinimum: '3.1' });
    const libc = below.findings.find(
      (f) => f.ruleId === 'EG107' && f.path === '/usr/lib/x86_64-linux-gnu/libc.so.6',
    );
    expect(libc).toMatchObject({ level: 'warning', evidence: [`NT_GNU_ABI_TAG: Linux ${abi}`] });
    const at = await scan({ source: { kind: 'archive', path: archive }, kernelMinimum: abi });
    expect(at.findings.filter((f) => f.ruleId === 'EG107')).toEqual([]);
    const unset = await scan({ source: { kind: 'archive', path: archive } });
    expect(unset.findings.filter((f) => f.ruleId === 'EG107')).toEqual([]);
  });
});
