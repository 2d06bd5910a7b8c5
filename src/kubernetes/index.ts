/**
 * Kubernetes manifests as `kubectl apply -f PATH` takes them: a file, or a folder's `.yaml`,
 * `.yml` and `.json` files (not its subfolders, like kubectl without `-R`), each holding one or
 * more `---` separated documents. `kustomize build` or `helm template` output works as a file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { checkInputPath } from '../input-files.js';
import { imageMatches } from './images.js';
import { readWorkloads, type ManifestContainer, type ManifestNotice } from './workloads.js';
import { parseManifestYaml } from './yaml.js';

export { containerExecution } from './execution.js';
export { imageMatches, manifestImageProblem, parseImageReference } from './images.js';
export { verifyRunAsNonRoot, type RunAsNonRootRefusal } from './run-as-non-root.js';
export { containerLabel, type ManifestContainer, type ManifestNotice } from './workloads.js';

/**
 * The largest manifest file read: far above what the API server takes in one request (3 MiB,
 * `MaxRequestBodyBytes`) times the documents a chart renders, and small enough to parse in
 * about a second; a larger file is refused rather than parsed for minutes.
 */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ManifestSet {
  /** The files read, in the order given (a folder's files sorted by name). */
  files: string[];
  containers: ManifestContainer[];
  notices: ManifestNotice[];
}

function manifestFiles(given: string): string[] {
  // A FIFO or device is refused before any open (reading a FIFO would block for ever).
  const { stats } = checkInputPath(given, { what: 'the manifests', kind: 'file-or-folder' });
  if (!stats.isDirectory()) return [given];
  const files = readdirSync(given, { withFileTypes: true })
    .filter(
      (entry) => entry.isFile() && MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase()),
    )
    .map((entry) => path.join(given, entry.name))
    .sort();
  if (files.length === 0)
    throw new InputError(`${given}: the folder holds no .yaml, .yml or .json manifest`);
  return files;
}

/** Reads one manifest file; errors name the file (and line). */
export function readManifestFile(file: string): {
  containers: ManifestContainer[];
  notices: ManifestNotice[];
} {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new InputError(
      `cannot read the manifest ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new InputError(
      `${file}:1: the manifest is ${(size / 1024 / 1024).toFixed(1)} MiB, more than the ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB read: give the files that hold the workloads`,
    );
  }
  const bytes = readFileSync(file);
  if (bytes.includes(0)) throw new InputError(`${file}:1: the manifest is a binary file, not YAML`);
  return readWorkloads(parseManifestYaml(bytes.toString('utf8'), file));
}

/** Reads every manifest of `paths` (files or folders). */
export function readManifests(paths: readonly string[]): ManifestSet {
  const set: ManifestSet = { files: [], containers: [], notices: [] };
  for (const given of paths) {
    for (const file of manifestFiles(given)) {
      const contents = readManifestFile(file);
      set.files.push(file);
      set.containers.push(...contents.containers);
      set.notices.push(...contents.notices);
    }
  }
  return set;
}

/**
 * Reads manifests held in memory (e.g. the object of an admission request, as JSON), each named
 * in findings by its `file`; the same checks and errors as a file's text.
 */
export function readManifestDocuments(
  documents: readonly { file: string; text: string }[],
): ManifestSet {
  const set: ManifestSet = { files: [], containers: [], notices: [] };
  for (const { file, text } of documents) {
    if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES)
      throw new InputError(`${file}:1: the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
    const contents = readWorkloads(parseManifestYaml(text, file));
    set.files.push(file);
    set.containers.push(...contents.containers);
    set.notices.push(...contents.notices);
  }
  return set;
}

/** The containers that run the scanned image, known by any of `names`. */
export function containersRunning(set: ManifestSet, names: readonly string[]): ManifestContainer[] {
  return set.containers.filter((container) => imageMatches(container.image, names));
}
