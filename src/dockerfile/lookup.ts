/**
 * Which artifact of the model a file of the image is: for the rules, which see files of the
 * image and need the Dockerfile's declaration and blame for them.
 */
import picomatch from 'picomatch';
import type { Artifact, DockerfileModel } from './types.js';

/**
 * The artifact that placed `imagePath` (absolute, as in the image): the exact path, else a glob
 * the Dockerfile copied (`/usr/bin/app-*`), else the deepest directory it copied or built into
 * (`/opt/app/`), never the whole-filesystem `/`. Null when the Dockerfile does not place the
 * file (it comes from a base image) or cannot tell.
 */
export function artifactFor(model: DockerfileModel, imagePath: string): Artifact | null {
  const exact = model.artifacts.find((a) => a.path === imagePath);
  if (exact) return exact;
  const globbed = model.artifacts.find(
    (a) => /[*?[]/.test(a.path) && picomatch(a.path, { dot: true })(imagePath),
  );
  if (globbed) return globbed;
  let best: Artifact | null = null;
  for (const a of model.artifacts) {
    // A copy or script that writes "somewhere under /" says nothing about one file.
    if (a.path !== '/' && a.path.endsWith('/') && imagePath.startsWith(a.path)) {
      if (!best || a.path.length > best.path.length) best = a;
    }
  }
  return best;
}
