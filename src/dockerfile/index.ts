/** The Dockerfile model's entry points: `readDockerfile` (pure) and `loadDockerfile` (reads). */
export type * from './types.js';
export { readDockerfile, loadDockerfile } from './model.js';
