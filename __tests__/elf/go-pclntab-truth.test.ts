/**
 * The Go packages and run-time signals we read from pclntab's function-name table, held against
 * the symbol table that `go tool nm` reads (a different structure of the same binary). Our
 * table also names inlined functions, so our packages are a superset of nm's; the signals must
 * be identical.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { goPackagesFrom, goSignalsFrom } from '../../src/elf/go-pclntab.js';
import { parseElfFile } from '../../src/elf/index.js';
import { reportSkip } from '../support/skip.js';
import { elfSamples } from './samples.js';

const run = promisify(execFile);

/** Go function symbols of `go tool nm` output (text symbols), without C local-symbol variants. */
function goFunctionNames(nm: string): { all: string[]; functions: string[] } {
  const rows = nm
    .split('\n')
    .map((line) => /^\s*[0-9a-f]*\s+(\S)\s+(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
  const all = rows.map((m) => m[2]!);
  const functions = rows
    .filter((m) => m[1] === 'T' || m[1] === 't')
    .map((m) => m[2]!)
    .filter((name) => {
      const tail = name.slice(name.lastIndexOf('/') + 1);
      const dot = tail.indexOf('.');
      // C statics (`pad.part.0`, `_IO_fflush.cold`, `frexpl.localalias`) are not Go packages.
      return (
        dot > 0 &&
        !/^(cold|part|constprop|isra|localalias|lto_priv|lo|c)\b|^\d/.test(tail.slice(dot + 1))
      );
    });
  return { all, functions };
}

describe('Go packages and signals against go tool nm', () => {
  it('agree for every Go sample with a symbol table', async () => {
    const files = elfSamples();
    if (!files) {
      reportSkip('pclntab comparison', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const problems: string[] = [];
    let compared = 0;
    let withoutSymbols = 0;
    let before116 = 0;
    for (const file of files) {
      const facts = parseElfFile(file, { goPackages: true });
      if (facts.go === null && facts.goBuildId === null) continue;
      const goMinor = Number(/^go1\.(\d+)/.exec(facts.go?.version ?? '')?.[1] ?? 99);
      if (goMinor < 16) {
        // Go 1.2–1.15 layout, read from the function table; these Debian binaries have no
        // symbol table to compare with, so check what readelf already proved: a dynamic Go
        // program linked against libc links runtime/cgo.
        before116++;
        const packages = facts.goPackages ?? [];
        if (!packages.includes('runtime') || !packages.includes('main')) {
          problems.push(`${file}: Go 1.${goMinor} packages ${packages.slice(0, 5).join(' ')}`);
        }
        if (facts.goSignals?.runtimeCgo !== facts.needed.includes('libc.so.6')) {
          problems.push(
            `${file}: runtimeCgo ${facts.goSignals?.runtimeCgo} but needed ${facts.needed.join(' ')}`,
          );
        }
        continue;
      }
      if (facts.goPackages === null || facts.goSignals === null) {
        problems.push(`${file}: no pclntab found`);
        continue;
      }
      const nm = await run('go', ['tool', 'nm', file], { maxBuffer: 1 << 30 }).then(
        (r) => r.stdout,
        () => null,
      );
      if (nm === null) {
        withoutSymbols++; // e.g. -ldflags "-s -w": pclntab remains, the symbol table does not
        continue;
      }
      const names = goFunctionNames(nm);
      compared++;
      expect({ file, signals: facts.goSignals }).toEqual({
        file,
        signals: goSignalsFrom(names.all),
      });
      const missing = goPackagesFrom(names.functions).filter((p) => !facts.goPackages!.includes(p));
      if (missing.length > 0) problems.push(`${file}: packages missing: ${missing.join(' ')}`);
    }
    process.stdout.write(
      `pclntab: ${compared} Go files compared with go tool nm, ${withoutSymbols} without symbol table (read anyway), ${before116} before Go 1.16 (runtime, main and runtime/cgo checked)\n`,
    );
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(20);
  }, 600_000);
});
