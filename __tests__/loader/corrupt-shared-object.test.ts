/**
 * A shared object whose dynamic section is corrupt, in an image scanned as a rootfs folder:
 * one finding that names the file and says it was not checked, no crash, no other finding for it.
 */
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';

const SOURCE = '/lib/x86_64-linux-gnu/libm.so.6';
const PT_DYNAMIC = 2;
const DT_STRTAB = 5;

/** The file with one field of its PT_DYNAMIC program header (64-bit little-endian) changed. */
function corruptDynamic(bytes: Buffer, field: 'offset' | 'filesz', value: bigint): Buffer {
  const out = Buffer.from(bytes);
  const phoff = Number(out.readBigUInt64LE(0x20));
  const phentsize = out.readUInt16LE(0x36);
  const phnum = out.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (out.readUInt32LE(at) !== PT_DYNAMIC) continue;
    out.writeBigUInt64LE(value, at + (field === 'offset' ? 0x08 : 0x20));
    return out;
  }
  throw new Error(`${SOURCE} has no PT_DYNAMIC`);
}

/** The file with the value of its DT_STRTAB entry (in the dynamic section) changed. */
function corruptStrtab(bytes: Buffer, value: bigint): Buffer {
  const out = Buffer.from(bytes);
  const phoff = Number(out.readBigUInt64LE(0x20));
  const phentsize = out.readUInt16LE(0x36);
  for (let i = 0; i < out.readUInt16LE(0x38); i++) {
    const at = phoff + i * phentsize;
    if (out.readUInt32LE(at) !== PT_DYNAMIC) continue;
    const dynamic = Number(out.readBigUInt64LE(at + 0x08));
    for (let entry = dynamic; ; entry += 16) {
      const tag = out.readBigInt64LE(entry);
      if (tag === 0n) break;
      if (tag === BigInt(DT_STRTAB)) {
        out.writeBigUInt64LE(value, entry + 8);
        return out;
      }
    }
  }
  throw new Error(`${SOURCE} has no DT_STRTAB`);
}

describe('a shared object with a corrupt dynamic section', () => {
  it.each([
    [
      'its PT_DYNAMIC lies past the end of the file',
      (b: Buffer) => corruptDynamic(b, 'offset', 0x7fff_ffffn),
      /^\/usr\/lib\/plugins\/libbroken\.so: bad program header at offset 0x[0-9a-f]+: segment \d+ \(file range 0x7fffffff\+0x[0-9a-f]+\) runs past the end of the file/,
    ],
    [
      'its PT_DYNAMIC runs past the end of the file',
      (b: Buffer) => corruptDynamic(b, 'filesz', 0x7fff_ffffn),
      /^\/usr\/lib\/plugins\/libbroken\.so: bad program header at offset 0x[0-9a-f]+: segment \d+ \(file range 0x[0-9a-f]+\+0x7fffffff\) runs past the end of the file/,
    ],
    [
      'its DT_STRTAB points outside every segment',
      (b: Buffer) => corruptStrtab(b, 0x7fff_0000_0000n),
      /^\/usr\/lib\/plugins\/libbroken\.so: .*0x7fff00000000/,
    ],
  ] as const)('gets one finding when %s', async (_what, corrupt, error) => {
    const root = mkdtempSync(path.join(tmpdir(), 'corrupt-so-'));
    try {
      mkdirSync(path.join(root, 'usr/lib/plugins'), { recursive: true });
      writeFileSync(path.join(root, 'usr/lib/plugins/libbroken.so'), corrupt(readFileSync(SOURCE)));
      copyFileSync(SOURCE, path.join(root, 'usr/lib/plugins/libm.so.6'));
      const report = await scan({ source: { kind: 'archive', path: root } });
      const about = report.findings.filter((f) => f.path === '/usr/lib/plugins/libbroken.so');
      expect(about.map((f) => [f.ruleId, f.level])).toEqual([['EG101', 'note']]);
      expect(about[0].message).toBe(
        '/usr/lib/plugins/libbroken.so starts like an ELF file but could not be read; its interpreter, architecture and libraries were not checked',
      );
      expect(about[0].evidence).toEqual([expect.stringMatching(error)]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
