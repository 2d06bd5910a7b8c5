/**
 * The kernel's half of starting a dynamic executable: open PT_INTERP inside the image (relative
 * paths from the working directory, symlinks re-rooted at the image root), check it is an ELF
 * for the same machine, and tell which loader it is (glibc's ld.so or musl's).
 */
import path from 'node:path/posix';
import type { ElfFacts } from '../elf/types.js';
import type { ImageView } from '../image/types.js';
import { describeMachine, sameMachine } from './machine.js';
import type { InterpreterResolution, LoaderFlavor } from './types.js';

export function resolveInterpreter(
  view: ImageView,
  requested: string,
  requester: ElfFacts,
  cwd: string,
): InterpreterResolution {
  const absolute = path.resolve(cwd, requested);
  const resolution = view.resolve(absolute);
  const base = { requested, flavor: 'unknown' as LoaderFlavor, flavorEvidence: '', elf: null };
  if (!resolution.found) {
    return {
      ...base,
      path: null,
      via: resolution.via,
      status: resolution.reason,
      detail:
        resolution.reason === 'missing'
          ? `${resolution.at} does not exist in the image`
          : resolution.reason === 'loop'
            ? `too many levels of symbolic links at ${resolution.at}`
            : `${resolution.at} is not a directory`,
    };
  }
  const { file } = resolution;
  const found = { ...base, path: resolution.path, via: resolution.via };
  if (file.type !== 'file') {
    return { ...found, status: 'not-a-file', detail: `${resolution.path} is a ${file.type}` };
  }
  if (file.elf === null) {
    return {
      ...found,
      status: 'not-elf',
      detail: file.elfError
        ? `${resolution.path} is not a readable ELF file: ${file.elfError}`
        : `${resolution.path} is not an ELF file`,
    };
  }
  const flavor = loaderFlavor(file.elf, [requested, ...resolution.via, resolution.path]);
  if (!sameMachine(file.elf, requester)) {
    return {
      ...found,
      ...flavor,
      elf: file.elf,
      status: 'incompatible',
      detail: `${resolution.path} is for ${describeMachine(file.elf)}, the program for ${describeMachine(requester)}`,
    };
  }
  return { ...found, ...flavor, elf: file.elf, status: 'ok', detail: null };
}

/** ld-musl-x86_64.so.1, Alpine's libc.musl-x86_64.so.1, Debian's /usr/lib/x86_64-linux-musl/. */
const MUSL_NAME = /(^|\/)(ld-musl-|libc\.musl-)|-linux-musl(\/|$)/;

/**
 * glibc's ld.so defines GLIBC_* symbol versions; musl's loader (which is its libc.so) defines no
 * versions and is installed as ld-musl-$ARCH.so.1.
 */
export function loaderFlavor(
  elf: ElfFacts,
  names: string[],
): { flavor: LoaderFlavor; flavorEvidence: string } {
  const glibcVersion = elf.versionDefinitions.find((v) => v.startsWith('GLIBC_'));
  if (glibcVersion !== undefined) {
    return { flavor: 'glibc', flavorEvidence: `defines symbol version ${glibcVersion}` };
  }
  const muslName = [...names, elf.soname ?? ''].find((n) => MUSL_NAME.test(n));
  if (muslName !== undefined && elf.versionDefinitions.length === 0) {
    return { flavor: 'musl', flavorEvidence: `musl's loader (${muslName}), no symbol versions` };
  }
  if (elf.libc === 'musl-dynamic' || elf.libc === 'musl-static') {
    return { flavor: 'musl', flavorEvidence: elf.libcEvidence.join('; ') || 'musl libc' };
  }
  return { flavor: 'unknown', flavorEvidence: 'neither glibc symbol versions nor a musl name' };
}
