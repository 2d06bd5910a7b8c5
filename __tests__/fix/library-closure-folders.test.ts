/**
 * libraryClosure on rootfs folders made of this machine's Debian libraries (libmpc3, libmpfr6
 * and libgmp10 come with the cross compiler .ci/run installs): the closure the builder's loader
 * finds, minus what the final image has; copies that land through a `/lib -> usr/lib` link; and
 * the reasons when the builder lacks a library or a copy cannot land. No engine needed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeElf, parseElf } from '../../src/elf/index.js';
import { libraryClosure } from '../../src/fix/library-closure.js';
import { openImage } from '../../src/image/open.js';
import type { ImageView } from '../../src/image/types.js';

const HOST_LIB = '/usr/lib/x86_64-linux-gnu';
const GLIBC = ['libc.so.6', 'libm.so.6', 'ld-linux-x86-64.so.2'];
let work = '';

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'closure-folders-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/**
 * A merged-/usr rootfs: `libs` from this machine in /usr/lib/x86_64-linux-gnu, `/lib` a link to
 * `lib`, and the loader's link in /lib64.
 */
async function rootfs(
  name: string,
  libs: string[],
  lib: string = 'usr/lib',
  extra: (root: string) => void = () => undefined,
): Promise<ImageView> {
  const root = path.join(work, name);
  const dir = path.join(root, 'usr/lib/x86_64-linux-gnu');
  mkdirSync(dir, { recursive: true });
  for (const file of libs) copyFileSync(path.join(HOST_LIB, file), path.join(dir, file));
  symlinkSync(lib, path.join(root, 'lib'));
  // Debian's PT_INTERP path: /lib64/ld-linux-x86-64.so.2, a link into the multiarch folder.
  mkdirSync(path.join(root, 'lib64'));
  symlinkSync(
    '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    path.join(root, 'lib64/ld-linux-x86-64.so.2'),
  );
  extra(root);
  return openImage({ kind: 'archive', path: root }, { analyzeElf, analyzeElfRanges: parseElf });
}

const withMpc = (root: string) => {
  mkdirSync(path.join(root, 'opt'));
  copyFileSync(path.join(HOST_LIB, 'libmpc.so.3'), path.join(root, 'opt/libmpc.so.3'));
};

describe('libraryClosure', () => {
  it('copies what the final image lacks, in the order the loader maps it, through /lib -> usr/lib', async () => {
    const builder = await rootfs('builder', [...GLIBC, 'libmpfr.so.6', 'libgmp.so.10']);
    const final = await rootfs('final', GLIBC, 'usr/lib', withMpc);
    expect(libraryClosure(final, builder, '/opt/libmpc.so.3', 'the builder')).toEqual({
      kind: 'copies',
      copies: [
        { source: '/lib/x86_64-linux-gnu/libmpfr.so.6', destination: '/lib/x86_64-linux-gnu' },
        { source: '/lib/x86_64-linux-gnu/libgmp.so.10', destination: '/lib/x86_64-linux-gnu' },
      ],
    });
    // What the final image has already is not copied.
    const withGmp = await rootfs('final-gmp', [...GLIBC, 'libgmp.so.10'], 'usr/lib', withMpc);
    expect(libraryClosure(withGmp, builder, '/opt/libmpc.so.3', 'the builder')).toEqual({
      kind: 'copies',
      copies: [
        { source: '/lib/x86_64-linux-gnu/libmpfr.so.6', destination: '/lib/x86_64-linux-gnu' },
      ],
    });
  });

  it('names the library the builder does not have', async () => {
    const builder = await rootfs('builder-no-gmp', [...GLIBC, 'libmpfr.so.6']);
    const final = await rootfs('final-2', GLIBC, 'usr/lib', withMpc);
    expect(
      libraryClosure(final, builder, '/opt/libmpc.so.3', 'golang:1.22 (the base of stage build)'),
    ).toEqual({
      kind: 'unavailable',
      reason:
        "libgmp.so.10 is not where the loader of golang:1.22 (the base of stage build) looks (made or installed by a RUN? copy it from where it lands, to a folder the final image's loader searches)",
    });
  });

  it('gives no COPY lines that would land on a dangling /lib link', async () => {
    const builder = await rootfs('builder-3', [...GLIBC, 'libmpfr.so.6', 'libgmp.so.10']);
    // /lib points nowhere: COPY to /lib/x86_64-linux-gnu/ fails; glibc finds libc in /usr/lib.
    const final = await rootfs('final-3', GLIBC, '/nowhere', withMpc);
    expect(libraryClosure(final, builder, '/opt/libmpc.so.3', 'the builder')).toEqual({
      kind: 'unavailable',
      reason:
        "libmpfr.so.6, copied from the builder to /lib/x86_64-linux-gnu/, would not be found there: the final image's loader searches (no /etc/ld.so.cache), /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib",
    });
  });

  it('says when the file is not an ELF file of the image', async () => {
    const builder = await rootfs('builder-4', GLIBC);
    expect(libraryClosure(builder, builder, '/opt/none', 'the builder')).toEqual({
      kind: 'unavailable',
      reason: '/opt/none is not an ELF file of the image',
    });
  });
});
