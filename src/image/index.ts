/** The image fact engine: one read-only view of an image's filesystem and config, from any source. */
export { openImage, type ImageSourceSpec, type OpenImageOptions } from './open.js';
export { KEPT_CONTENT_PATTERNS, isKeptContent } from './facts.js';
export { MAX_SYMLINKS } from './filesystem.js';
export { formatPlatform, parsePlatform, runnerPlatform, type Platform } from './platform.js';
export type * from './types.js';
