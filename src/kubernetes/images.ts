/**
 * Which containers run the scanned image: the same reference, or the same repository with any
 * registry host, tag or digest (CI builds `api:pr-7`, the manifest says
 * `ghcr.io/acme/api:1.4`), or a name the user maps to it (`--manifest-image`).
 *
 * References are split as the distribution reference grammar does
 * (github.com/distribution/reference `normalize.go` splitDockerDomain): the first component is
 * a registry host when it has a `.` or a `:` or is `localhost`; Docker Hub's official images
 * live under `library/`.
 */

export interface ImageReference {
  /** Registry host, `docker.io` when none is written. */
  host: string;
  /** Repository path without host, e.g. `acme/api`, `library/nginx`. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

/** Splits `ref`; null for what is not a reference (empty, spaces, upper case in the path). */
export function parseImageReference(ref: string): ImageReference | null {
  const text = ref.trim();
  if (text === '' || /\s/.test(text)) return null;
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let host = 'docker.io';
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first === 'index.docker.io' ? 'docker.io' : first;
      rest = rest.slice(slash + 1);
    }
  }
  if (rest === '' || /[A-Z]/.test(rest)) return null;
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return { host, repository: rest, tag, digest };
}

/** The repository path compared across registries: Docker Hub's `library/` is dropped. */
function repositoryKey(ref: ImageReference): string {
  return ref.repository.replace(/^library\//, '');
}

/**
 * Whether a container's `image` is one of `names` (the scanned reference, the image's tags,
 * the user's mapped names): the same repository, whatever the host, tag or digest.
 */
export function imageMatches(containerImage: string, names: readonly string[]): boolean {
  const own = parseImageReference(containerImage);
  if (!own) return false;
  return names.some((name) => {
    const other = parseImageReference(name);
    return other !== null && repositoryKey(other) === repositoryKey(own);
  });
}

/**
 * An image reference as the distribution project's reference grammar writes it
 * (distribution/reference/regexp.go): an optional host[:port]/, lower-case path components
 * separated by `.`, `_`, `__` or dashes, an optional `:tag` and `@algorithm:hex` digest.
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*` +
    '(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$',
);

/**
 * What is wrong with a `--manifest-image` / `manifest-images` entry (`NAME` or `NAME=IMAGE`,
 * each an image reference), quoted and explained, or null when it is well formed.
 */
export function manifestImageProblem(entry: string): string | null {
  const parts = entry.split('=');
  // References are at most 255 characters for the name and 128 for a tag (distribution).
  if (entry.length <= 1024 && parts.length <= 2 && parts.every((p) => IMAGE_REFERENCE.test(p)))
    return null;
  return `${JSON.stringify(entry.slice(0, 200))}: expected NAME or NAME=IMAGE, each an image reference (lower-case repository, optional :tag and @digest)`;
}
