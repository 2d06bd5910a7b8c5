/**
 * Images straight from a registry (the OCI Distribution API), for scans without a Docker Engine:
 * `scan --remote REF` and the admission webhook. The image is picked and merged by the same code
 * as an OCI archive (see store.ts), so every rule sees the same view.
 */
import type { FactCollector } from '../facts.js';
import type { ImageView } from '../types.js';
import type { CredentialSource } from './auth.js';
import { DEFAULT_LIMITS, RegistryClient, type RegistryLimits } from './client.js';
import { formatReference, parseReference } from './reference.js';
import { RegistryStore } from './store.js';

export { readDockerConfig, type CredentialSource, type Credentials } from './auth.js';
export { DEFAULT_LIMITS, type RegistryLimits } from './client.js';
export { formatReference, isLoopback, parseReference, type ImageReference } from './reference.js';

export interface RegistrySourceSpec {
  kind: 'registry';
  /** An image reference, `[HOST[:PORT]/]PATH[:TAG][@DIGEST]` (no host: Docker Hub). */
  ref: string;
  /** Plain HTTP; refused (UsageError) unless the host is a loopback address. */
  insecure?: boolean;
  credentials?: CredentialSource;
  limits?: Partial<RegistryLimits>;
}

function clientFor(spec: RegistrySourceSpec): { client: RegistryClient; limits: RegistryLimits } {
  const limits = { ...DEFAULT_LIMITS, ...spec.limits };
  const client = new RegistryClient(
    parseReference(spec.ref),
    spec.credentials ?? { kind: 'none' },
    limits,
    spec.insecure ?? false,
  );
  return { client, limits };
}

/** The source label of a registry image: `registry:<normalised reference>`. */
export function registrySourceLabel(spec: RegistrySourceSpec): string {
  return `registry:${formatReference(parseReference(spec.ref))}`;
}

/**
 * The digest a reference names now (the index's or the manifest's, `sha256:<hex>`): the
 * reference's own digest, else the tag resolved with one manifest request. Errors as `openImage`.
 */
export async function resolveDigest(spec: RegistrySourceSpec): Promise<string> {
  const { client } = clientFor(spec);
  if (client.reference.digest) return client.reference.digest;
  return (await client.manifest(client.reference.tag as string)).digest;
}

/**
 * Opens an image from a registry: the view `selectAndMerge` builds from the registry seen as an
 * OCI layout. Bad input (a lying or unreachable registry, a refused login) is one InputError.
 */
export async function openRegistryImage(
  spec: RegistrySourceSpec,
  collector: FactCollector,
  selectAndMerge: (store: RegistryStore, source: string) => Promise<ImageView>,
): Promise<ImageView> {
  const { client, limits } = clientFor(spec);
  const source = registrySourceLabel(spec);
  return selectAndMerge(new RegistryStore(source, client, limits, collector), source);
}
