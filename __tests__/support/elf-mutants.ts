/**
 * Mutants of a 64-bit little-endian ELF program, each breaking one field the kernel's ELF loader
 * reads (fs/binfmt_elf.c), plus seeded random byte changes in the ELF header and program header
 * table. Used by the kernel-exec tests (the verdict for each) and by the truth check that runs
 * every mutant in a container.
 */

export interface Mutant {
  name: string;
  bytes: Buffer;
}

/** A tiny deterministic generator (mulberry32), so a failing seed can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Phdr {
  at: number;
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

function phdrs(b: Buffer): Phdr[] {
  const phoff = Number(b.readBigUInt64LE(32));
  const list: Phdr[] = [];
  for (let i = 0; i < b.readUInt16LE(56); i++) {
    const at = phoff + i * 56;
    list.push({
      at,
      type: b.readUInt32LE(at),
      flags: b.readUInt32LE(at + 4),
      offset: b.readBigUInt64LE(at + 8),
      vaddr: b.readBigUInt64LE(at + 16),
      filesz: b.readBigUInt64LE(at + 32),
      memsz: b.readBigUInt64LE(at + 40),
    });
  }
  return list;
}

function edit(seed: Buffer, change: (b: Buffer) => void): Buffer {
  const b = Buffer.from(seed);
  change(b);
  return b;
}

/** One mutant per kernel check the seed can break, named `<label>-<check>`. */
export function targetedMutants(label: string, seed: Buffer): Mutant[] {
  const out: Mutant[] = [];
  const add = (name: string, change: (b: Buffer) => void) =>
    out.push({ name: `${label}-${name}`, bytes: edit(seed, change) });
  const ph = phdrs(seed);
  const loads = ph.filter((p) => p.type === 1);
  const interp = ph.find((p) => p.type === 3);
  for (const type of [0, 1, 4, 0xfe00]) add(`e_type-${type}`, (b) => b.writeUInt16LE(type, 16));
  for (const size of [0, 32, 55, 64]) add(`e_phentsize-${size}`, (b) => b.writeUInt16LE(size, 54));
  add('e_phnum-0', (b) => b.writeUInt16LE(0, 56));
  add('e_phnum-1200', (b) => b.writeUInt16LE(1200, 56));
  add('e_phoff-past-end', (b) => b.writeBigUInt64LE(BigInt(seed.length - 8), 32));
  add('no-pt-load', (b) => loads.forEach((p) => b.writeUInt32LE(0, p.at)));
  add('entry-0', (b) => b.writeBigUInt64LE(0n, 24));
  add('entry-unmapped', (b) => b.writeBigUInt64LE(0x10n, 24));
  const first = loads[0]!;
  add('load0-filesz-gt-memsz', (b) => b.writeBigUInt64LE(first.memsz + 0x10000n, first.at + 32));
  add('load0-offset-not-congruent', (b) => b.writeBigUInt64LE(first.offset + 1n, first.at + 8));
  add('load0-kernel-space', (b) => b.writeBigUInt64LE(0xffff800000000000n, first.at + 16));
  const exec = loads.find((p) => (p.flags & 1) !== 0);
  if (exec) add('exec-load-not-executable', (b) => b.writeUInt32LE(exec.flags & ~1, exec.at + 4));
  if (interp) {
    add('interp-size-1', (b) => b.writeBigUInt64LE(1n, interp.at + 32));
    add('interp-size-5000', (b) => b.writeBigUInt64LE(5000n, interp.at + 32));
    add('interp-no-nul', (b) => b.writeBigUInt64LE(interp.filesz - 1n, interp.at + 32));
    add('interp-past-end', (b) => b.writeBigUInt64LE(BigInt(seed.length), interp.at + 8));
  }
  return out;
}

/**
 * `count` mutants with 1-4 random bytes of the ELF header or program header table replaced
 * (e_ident's magic left alone: without it the file is not an ELF program at all).
 */
export function randomMutants(
  label: string,
  seed: Buffer,
  count: number,
  rngSeed: number,
): Mutant[] {
  const next = random(rngSeed);
  const phoff = Number(seed.readBigUInt64LE(32));
  const headerEnd = phoff + seed.readUInt16LE(56) * 56;
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.from(seed);
    const edits = 1 + Math.floor(next() * 4);
    const changed: string[] = [];
    for (let e = 0; e < edits; e++) {
      // Past e_ident[EI_CLASS..]: bytes 4..headerEnd.
      const at = 4 + Math.floor(next() * (headerEnd - 4));
      const value = Math.floor(next() * 256);
      b[at] = value;
      changed.push(`${at.toString(16)}=${value.toString(16)}`);
    }
    out.push({ name: `${label}-random-${i}-${changed.join('_')}`, bytes: b });
  }
  return out;
}
