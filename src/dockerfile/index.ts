/**
 * The Dockerfile model's entry points: `readDockerfile` (pure), `loadDockerfile` (reads the
 * file) and `artifactFor` (which artifact placed a file of the image).
 */
export type * from './types.js';
export { baseImagesOf, readDockerfile, loadDockerfile } from './model.js';
export { artifactFor } from './lookup.js';
