/**
 * Two images the minimal-runtime fix makes (found by trying the COPY fix as a user): glibc's
 * libc.so.6 copied into an image whose programs use another loader path, and musl's loader
 * copied into a glibc image for a musl program. Neither may give a finding about the image's
 * own libraries: libc.so.6 is loaded, never started (its PT_INTERP is not the program's), and
 * glibc's libraries are loaded by glibc's loader even where the only program is musl's.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';
import { SAMPLES_DIR } from '../elf/samples.js';
import { reportSkip } from '../support/skip.js';

const HOST_LIB = '/usr/lib/x86_64-linux-gnu';
const MUSL_PROGRAM = path.join(SAMPLES_DIR, 'go-built', 'c-musl-dynamic');
let work = '';

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'mixed-loaders-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function put(root: string, from: string, to: string): void {
  mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
  copyFileSync(from, path.join(root, to));
}

describe('images with a loader copied in', () => {
  it('libc.so.6 that a COPY put there is a library, not a program whose loader is missing', async () => {
    const root = path.join(work, 'custom-loader');
    // The program names the loader where the COPY lines put it; /lib64 does not exist.
    put(root, `${HOST_LIB}/ld-linux-x86-64.so.2`, '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    put(root, `${HOST_LIB}/libc.so.6`, '/lib/x86_64-linux-gnu/libc.so.6');
    const dockerfile = [
      'FROM debian:bookworm AS build',
      'RUN gcc -Wl,--dynamic-linker=/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 -o /app app.c',
      'FROM scratch',
      'COPY --from=build /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/',
      'COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/',
      '',
    ].join('\n');
    const report = await scan({
      source: { kind: 'archive', path: root },
      dockerfile: { path: 'Dockerfile', text: dockerfile },
    });
    expect(report.findings.filter((f) => f.ruleId === 'EG101')).toEqual([]);
  });

  it("a musl program's loader beside glibc leaves glibc's libraries to glibc's loader", async () => {
    if (!existsSync(MUSL_PROGRAM)) {
      reportSkip('mixed loaders', 'run scripts/ci-fixtures/20-elf-samples.sh first');
      return;
    }
    const root = path.join(work, 'musl-on-glibc');
    for (const lib of ['libc.so.6', 'libm.so.6', 'libresolv.so.2', 'ld-linux-x86-64.so.2'])
      put(root, `${HOST_LIB}/${lib}`, `/usr/lib/x86_64-linux-gnu/${lib}`);
    symlinkSync('usr/lib', path.join(root, 'lib'));
    mkdirSync(path.join(root, 'lib64'));
    symlinkSync(
      '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      path.join(root, 'lib64/ld-linux-x86-64.so.2'),
    );
    put(root, '/lib/ld-musl-x86_64.so.1', '/usr/lib/ld-musl-x86_64.so.1');
    put(root, MUSL_PROGRAM, '/app');
    const report = await scan({ source: { kind: 'archive', path: root } });
    expect(
      report.findings
        .filter((f) => f.level !== 'note' || f.ruleId.startsWith('EG10'))
        .map((f) => `${f.ruleId} ${f.path}`),
    ).toEqual([]);
  });
});
