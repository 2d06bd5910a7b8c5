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

/** `NAME` or `NAME=IMAGE`, each an image reference: no white space, no second `=`. */
const MANIFEST_IMAGE = /^[^\s=]+(=[^\s=]+)?$/;

/**
 * What is wrong with a `--manifest-image` / `manifest-images` entry (`NAME` or `NAME=IMAGE`),
 * quoted and explained, or null when it is well formed.
 */
export function manifestImageProblem(entry: string): string | null {
  if (MANIFEST_IMAGE.test(entry)) return null;
  return `${JSON.stringify(entry.slice(0, 200))}: expected NAME or NAME=IMAGE (image references, at most one '=')`;
}
