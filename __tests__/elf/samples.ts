/** The real ELF files gathered by scripts/ci-fixtures/20-elf-samples.sh. */
import { closeSync, existsSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Outside the checkout, as the fixture script keeps it, so fresh clones reuse the downloads. */
export const SAMPLES_DIR =
  process.env.EXIT139_GUARD_ELF_SAMPLES ?? join('/var/cache/exit139-guard', 'elf-samples');
const PARTS = ['debian', 'go-debian', 'go-built'];

function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) walk(path, out);
    else if (st.isFile() && st.size > 0 && isElf(path)) out.push(path);
  }
}

/** Every regular ELF file of the samples, or null when the fixture script has not run. */
export function elfSamples(): string[] | null {
  if (!PARTS.every((p) => existsSync(join(SAMPLES_DIR, p)))) return null;
  const out: string[] = [];
  for (const part of PARTS) walk(join(SAMPLES_DIR, part), out);
  return out;
}

/** Samples whose name says how they were built (go-built/NAME). */
export function builtSample(name: string): string {
  return join(SAMPLES_DIR, 'go-built', name);
}
