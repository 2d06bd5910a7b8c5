/** The loader simulation: what the kernel and the image's ld.so (glibc or musl) would do. */
export type * from './types.js';
export { simulateImage, simulateLoad, LoadSimulator, type ImageLoadReport } from './simulate.js';
export { loaderEnvironment, type LoaderEnvironment, type CacheState } from './environment.js';
export {
  parseLdSoCache,
  lookupLdSoCache,
  acceptedCacheFlags,
  type LdSoCache,
  type LdSoCacheEntry,
} from './ld-so-cache.js';
export { resolveInterpreter, loaderFlavor } from './interpreter.js';
