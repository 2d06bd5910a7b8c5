/**
 * What an image reference suggests: whether a C compiler is on PATH (Go's CGO_ENABLED default)
 * and which libc family the final base has. Hints from names only; the image stays the truth.
 */
import type { FinalBaseKind } from './types.js';

/** The reference's repository path and tag, lower-cased (`golang`, `1.22-alpine`). */
function splitReference(reference: string): { repo: string; tag: string } {
  const lower = reference.toLowerCase().replace(/@sha256:[0-9a-f]*$/, '');
  const slash = lower.lastIndexOf('/');
  const colon = lower.lastIndexOf(':');
  if (colon > slash) return { repo: lower.slice(0, colon), tag: lower.slice(colon + 1) };
  return { repo: lower, tag: '' };
}

/**
 * Does the image ship a C compiler on PATH? From the name only: the official golang images do,
 * except the Alpine variants; buildpack-deps, gcc and rust do, and so do the full (not -slim,
 * not -alpine) python, node and ruby images, which are built on buildpack-deps. Plain OS images
 * (alpine, debian, ubuntu, busybox, Fedora-family, distroless) do not. Any other image:
 * unknown (null), since a builder image may ship one.
 */
export function imageHasCompiler(reference: string): { present: boolean | null; why: string } {
  const { repo, tag } = splitReference(reference);
  const name = repo.split('/').pop() ?? repo;
  const alpine = /alpine/.test(tag) || /alpine/.test(name);
  const slim = /slim|alpine|windowsservercore|nanoserver/.test(tag);
  const official =
    !repo.includes('/') || repo.startsWith('library/') || repo.startsWith('docker.io/library/');
  if (/golang/.test(name) && !alpine)
    return { present: true, why: `gcc present in ${reference} (Debian-based golang image)` };
  if (/golang/.test(name))
    return { present: false, why: `no C compiler in ${reference} (Alpine-based golang image)` };
  if (['buildpack-deps', 'gcc', 'rust'].includes(name) && !alpine) {
    return { present: true, why: `gcc present in ${reference}` };
  }
  if (official && ['python', 'node', 'ruby'].includes(name) && tag !== '' && !slim)
    return { present: true, why: `gcc present in ${reference} (buildpack-deps based)` };
  if (
    /^(alpine|debian|ubuntu|busybox|fedora|centos|rockylinux|almalinux|amazonlinux|oraclelinux|ubi[0-9]*(-\w+)?|python|node|ruby)$/.test(
      name,
    ) ||
    repo.includes('distroless')
  )
    return { present: false, why: `no C compiler in ${reference}` };
  return { present: null, why: `whether ${reference} has a C compiler is not known` };
}

/** Packages whose installation puts a C compiler on PATH. */
const COMPILER_PACKAGES = new Set([
  'gcc',
  'build-base',
  'alpine-sdk',
  'musl-dev',
  'build-essential',
  'clang',
  'g++',
  'cc',
  'gcc-c++',
  'musl-gcc',
]);

/** Does a package-manager command (apk add, apt-get install, ...) install a compiler? */
export function installsCompiler(argv: string[]): string | null {
  const program = argv[0]?.split('/').pop() ?? '';
  const managers: Record<string, string[]> = {
    apk: ['add'],
    'xx-apk': ['add'],
    'apt-get': ['install'],
    apt: ['install'],
    'xx-apt-get': ['install'],
    'xx-apt': ['install'],
    yum: ['install'],
    dnf: ['install'],
    microdnf: ['install'],
    tdnf: ['install'],
    zypper: ['install', 'in'],
  };
  const verbs = managers[program];
  if (!verbs || !argv.some((w) => verbs.includes(w))) return null;
  const found = argv.find(
    (w) => COMPILER_PACKAGES.has(w.replace(/[=<>~].*$/, '')) || /^gcc-[0-9]+$/.test(w),
  );
  return found ? `${program} installs ${found}` : null;
}

/** Classifies the final stage's root base image. */
export function classifyBase(reference: string): FinalBaseKind {
  const lower = reference.toLowerCase();
  if (lower === 'scratch') return 'scratch';
  const { repo, tag } = splitReference(reference);
  const name = repo.split('/').pop() ?? repo;
  if (repo.includes('distroless')) {
    // gcr.io/distroless/static-debian12, base-nossl, cc:nonroot; mirrors and look-alikes name
    // the flavour as a word of the last path part (`distroless-static-like`, `my-base-image`).
    const words = name.split(/[-_.]/);
    if (words.includes('static')) return 'distroless-static';
    if (words.includes('base')) return 'distroless-base';
    return 'distroless-cc';
  }
  if (repo.includes('chainguard') || repo.includes('wolfi')) {
    if (name === 'static') return 'distroless-static';
    return 'glibc';
  }
  if (name === 'alpine' || /alpine/.test(tag) || /alpine/.test(name)) return 'alpine';
  if (name === 'busybox') return /musl/.test(tag) ? 'musl' : 'busybox';
  if (name === 'ubuntu' || /ubuntu/.test(tag)) return 'ubuntu';
  if (
    name === 'debian' ||
    /bookworm|bullseye|buster|trixie|stretch|debian/.test(tag) ||
    name === 'golang'
  ) {
    return 'debian';
  }
  if (
    /^(ubi[0-9]*(-\w+)?|centos|fedora|rockylinux|almalinux|amazonlinux|oraclelinux|archlinux|opensuse.*)$/.test(
      name,
    )
  ) {
    return 'glibc';
  }
  if (name === 'void' && /musl/.test(tag)) return 'musl';
  return 'unknown';
}
