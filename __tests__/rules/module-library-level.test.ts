/**
 * A shared library that no program of the image names in DT_NEEDED is loaded at run time, if at
 * all: by the program the Dockerfile put it beside (the scenario suite's glibc-plugin-on-musl),
 * or by an interpreter from its module directory. Here: glibc's libm.so.6 shipped as a Python
 * extension module in a musl image (it needs glibc's ld.so and GLIBC_PRIVATE symbols). With a
 * Python interpreter in the image its load problem is an error; without one, a warning. Likewise
 * as a Node addon under node_modules with `node` present, except when it is the glibc variant of
 * an npm package whose musl twin is there too (the package loads the one that matches), and as
 * a JNI library in a JVM's lib directory.
 */
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/scan.js';
import { reportSkip } from '../support/skip.js';

const MUSL = '/usr/lib/x86_64-linux-musl/libc.so';
const GLIBC_MODULE = '/lib/x86_64-linux-gnu/libm.so.6';
const STATIC_PROGRAM = '/bin/busybox';
const MODULE = '/usr/lib/python3.11/site-packages/_speedups.so';

async function scanMuslImage(withPython: boolean, extra: [string, string][] = []) {
  const root = mkdtempSync(path.join(tmpdir(), 'module-level-'));
  try {
    // copyFile keeps the mode: the interpreter stays executable.
    const put = (from: string, to: string) => {
      mkdirSync(path.join(root, path.dirname(to)), { recursive: true });
      copyFileSync(from, path.join(root, to));
    };
    put(MUSL, '/lib/ld-musl-x86_64.so.1');
    put(GLIBC_MODULE, MODULE);
    if (withPython) put(STATIC_PROGRAM, '/usr/bin/python3.11');
    for (const [from, to] of extra) put(from, to);
    return await scan({ source: { kind: 'archive', path: root } });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('the level of a load problem of a module no program names', () => {
  const missing = [MUSL, GLIBC_MODULE, STATIC_PROGRAM].filter((f) => !existsSync(f));

  it.each([
    [true, 'error', '/usr/bin/python3.11 loads extension modules from where it sits'],
    [
      false,
      'warning',
      'no program of the image loads it, the Dockerfile did not put it there, and no interpreter of the image loads modules from its directory',
    ],
  ] as const)('python in the image: %s -> %s', async (withPython, level, why) => {
    if (missing.length > 0) {
      reportSkip('module-library-level', `missing on this machine: ${missing.join(', ')}`);
      return;
    }
    const report = await scanMuslImage(withPython);
    const about = report.findings.filter((f) => f.path === MODULE);
    expect(about.map((f) => [f.ruleId, f.level, f.message])).toEqual([
      ['EG103', level, `ld-linux-x86-64.so.2, needed by ${MODULE}, is not found by the loader`],
    ]);
    expect(about[0].evidence).toContain(
      withPython ? `no program of the image names it in DT_NEEDED; ${why}` : why,
    );
  });

  const GNU_ADDON = '/app/node_modules/@acme/fast-linux-x64-gnu/fast.node';
  const MUSL_ADDON = '/app/node_modules/@acme/fast-linux-x64-musl/fast.node';

  it.each([
    [
      'alone',
      'error',
      [] as [string, string][],
      'no program of the image names it in DT_NEEDED; /usr/local/bin/node loads native addons from where it sits',
    ],
    [
      'beside its musl twin',
      'warning',
      [[MUSL, MUSL_ADDON]] as [string, string][],
      `an npm addon variant for the other C library: its twin ${MUSL_ADDON} is in the image, and the package loads the variant that matches`,
    ],
  ])('a glibc Node addon %s -> %s', async (_what, level, twin, why) => {
    if (missing.length > 0) {
      reportSkip('module-library-level', `missing on this machine: ${missing.join(', ')}`);
      return;
    }
    const report = await scanMuslImage(false, [
      [STATIC_PROGRAM, '/usr/local/bin/node'],
      [GLIBC_MODULE, GNU_ADDON],
      ...twin,
    ]);
    const about = report.findings.filter((f) => f.path === GNU_ADDON);
    expect(about.map((f) => [f.ruleId, f.level])).toEqual([['EG103', level]]);
    expect(about[0].evidence).toContain(why);
    expect(report.findings.filter((f) => f.path === MUSL_ADDON)).toEqual([]);
  });

  it("a glibc JNI library in the JVM's lib directory, with java present -> error", async () => {
    if (missing.length > 0) {
      reportSkip('module-library-level', `missing on this machine: ${missing.join(', ')}`);
      return;
    }
    const jni = '/opt/jdk-17/lib/libnative.so';
    const report = await scanMuslImage(false, [
      [STATIC_PROGRAM, '/opt/jdk-17/bin/java'],
      [GLIBC_MODULE, jni],
    ]);
    const about = report.findings.filter((f) => f.path === jni);
    expect(about.map((f) => [f.ruleId, f.level])).toEqual([['EG103', 'error']]);
    expect(about[0].evidence).toContain(
      'no program of the image names it in DT_NEEDED; /opt/jdk-17/bin/java loads JNI libraries from where it sits',
    );
  });
});
