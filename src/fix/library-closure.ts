/**
 * The library closure a builder stage can supply: which files `COPY --from=<builder>` must
 * bring into the final image so that the loader finds every library an object needs, found by
 * running the loader simulation on both images (the seed's minimal-runtime recipe copies
 * `libc.so.6` and the loader from the builder the same way, one COPY per file).
 *
 * Written by hand because it is the loader simulation (src/loader) applied twice: once in the
 * builder image, which says where its loader finds each library, and once in the final image
 * with the copies added, repeated until nothing is missing. A COPY's source symlink is followed
 * (BuildKit's dockerfile2llb copies with FollowSymlinks) and its destination folder resolved
 * through the final image's symlinks (a `/lib -> usr/lib` link takes the file to `/usr/lib`),
 * so the overlay places each copy where the build would.
 */
import { posix } from 'node:path';
import type { LibraryCopy } from '../findings.js';
import { NO_FACTS } from '../image/facts.js';
import { makeView, resolvePath } from '../image/filesystem.js';
import type { ImageFile, ImageView } from '../image/types.js';
import { simulateLoad } from '../loader/index.js';
import { listSome } from '../rules/context.js';
import type { LoadProblem, LoadSimulation } from '../loader/types.js';

export type ClosureResult =
  { kind: 'copies'; copies: LibraryCopy[] } | { kind: 'unavailable'; reason: string };

/** At most this many rounds of adding files (a closure deeper than this is not a fix). */
const MAX_ROUNDS = 32;

function dirEntry(path: string): ImageFile {
  return {
    path,
    type: 'dir',
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: 0,
    linkTarget: null,
    layer: Number.MAX_SAFE_INTEGER,
    ...NO_FACTS,
  };
}

/**
 * Puts `file` into `files` at `folder/name` as COPY would: the folder's symlinks followed inside
 * the image root, missing folders created. Returns the path it landed at, or null when a part
 * of the folder is a file or a dangling link (COPY would fail there too).
 */
function placeCopy(
  files: Map<string, ImageFile>,
  folder: string,
  name: string,
  file: ImageFile,
): string | null {
  let current = '/';
  for (const part of folder.split('/').filter((p) => p !== '')) {
    const next = current === '/' ? `/${part}` : `${current}/${part}`;
    const entry = files.get(next);
    if (!entry) {
      files.set(next, dirEntry(next));
      current = next;
      continue;
    }
    if (entry.type === 'symlink') {
      const resolved = resolvePath(files, next);
      if (!resolved.found || resolved.file.type !== 'dir') return null;
      current = resolved.path;
      continue;
    }
    if (entry.type !== 'dir') return null;
    current = next;
  }
  const path = current === '/' ? `/${name}` : `${current}/${name}`;
  files.set(path, {
    ...file,
    path,
    type: 'file',
    linkTarget: null,
    layer: Number.MAX_SAFE_INTEGER,
  });
  return path;
}

/** The image with `copies` applied, each source read from `builder`. */
function withCopies(finalView: ImageView, builder: ImageView, copies: LibraryCopy[]): ImageView {
  const files = new Map(finalView.files);
  for (const copy of copies) {
    const source = builder.resolve(copy.source);
    if (source.found) placeCopy(files, copy.destination, posix.basename(copy.source), source.file);
  }
  return makeView(finalView.config, finalView.source, files);
}

/** The object as it would sit in the builder: the builder's files plus this one file. */
function withObject(builder: ImageView, objectPath: string, object: ImageFile): ImageView {
  const files = new Map(builder.files);
  const landed = placeCopy(files, posix.dirname(objectPath), posix.basename(objectPath), object);
  if (landed === null) files.set(objectPath, { ...object, path: objectPath });
  return makeView(builder.config, builder.source, files);
}

type Missing = Extract<LoadProblem, { kind: 'library-missing' | 'library-unloadable' }>;

function missingOf(simulation: LoadSimulation): Missing[] {
  return simulation.problems.filter(
    (p): p is Missing => p.kind === 'library-missing' || p.kind === 'library-unloadable',
  );
}

/** A problem the copies brought in: a copied object lacks a version or a symbol at start. */
function introducedBy(problem: LoadProblem, copied: Set<string>): boolean {
  if (problem.kind === 'version-missing')
    return copied.has(problem.object) || copied.has(problem.provider);
  if (problem.kind === 'symbol-unresolved')
    return problem.fatalAtStart && copied.has(problem.object);
  return false;
}

function describeProblem(problem: LoadProblem): string {
  switch (problem.kind) {
    case 'version-missing':
      return `${problem.object} needs ${problem.version} from ${problem.file}, which ${problem.providerPath} of the final image does not define`;
    case 'symbol-unresolved':
      return `${problem.object} needs ${problem.symbol}, which no object of the final image defines`;
    default:
      return `${problem.object}: ${problem.kind}`;
  }
}

/**
 * The COPY lines that make `objectPath` of `finalView` load: the loader its PT_INTERP names when
 * the final image lacks it (at that path, as the kernel opens it), then each library the final
 * image's loader misses, taken from where `builder`'s loader finds it, and the libraries those
 * need in turn that the final image lacks (its closure), in the order the loader maps them.
 *
 * `builderName` names the builder in reasons (e.g. `golang:1.22 (the base of stage build)`).
 * Returns `unavailable` with the reason when the builder does not have a library, when its
 * loader would not load the object, when a copy would land where the final loader does not
 * look, or when the object or the copies need what the final image's libc does not define (a
 * newer GLIBC_x: copying libraries is then no fix, a base image is).
 */
export function libraryClosure(
  finalView: ImageView,
  builder: ImageView,
  objectPath: string,
  builderName: string,
): ClosureResult {
  const object = finalView.resolve(objectPath);
  if (!object.found || object.file.elf === null)
    return { kind: 'unavailable', reason: `${objectPath} is not an ELF file of the image` };
  const inBuilder = simulateLoad(withObject(builder, objectPath, object.file), objectPath);
  if (inBuilder === null || inBuilder.notSimulated !== null)
    return {
      kind: 'unavailable',
      reason: `${builderName} cannot load ${objectPath}${inBuilder?.notSimulated ? ` (${inBuilder.notSimulated})` : ''}`,
    };
  const copies: LibraryCopy[] = [];
  const copied = new Set<string>();
  let simulation = simulateLoad(finalView, objectPath);
  for (let round = 0; round < MAX_ROUNDS && simulation !== null; round++) {
    const wanted: LibraryCopy[] = [];
    const absent: string[] = [];
    const interpreter = simulation.mode === 'executable' ? simulation.interpreter : null;
    if (interpreter && interpreter.status !== 'ok') {
      // The kernel opens PT_INTERP by its path: the loader goes where the program names it.
      if (interpreter.status !== 'missing' || inBuilder.interpreter?.status !== 'ok')
        return {
          kind: 'unavailable',
          reason: `the program's loader ${interpreter.requested}: ${interpreter.detail ?? interpreter.status}`,
        };
      wanted.push({
        source: interpreter.requested,
        destination: posix.dirname(interpreter.requested),
      });
    } else {
      for (const problem of missingOf(simulation)) {
        const supplier = inBuilder.objects.find((o) => o.name === problem.name);
        if (supplier)
          wanted.push({ source: supplier.path, destination: posix.dirname(supplier.path) });
        else absent.push(problem.name);
      }
    }
    if (absent.length > 0) {
      const names = [...new Set(absent)];
      return {
        kind: 'unavailable',
        reason: `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not where the loader of ${builderName} looks (made or installed by a RUN? copy it from where it lands, to a folder the final image's loader searches)`,
      };
    }
    if (wanted.length === 0) break;
    const fresh = wanted.filter(
      (w, i) =>
        !copies.some((c) => c.source === w.source) &&
        wanted.findIndex((o) => o.source === w.source) === i,
    );
    if (fresh.length === 0) {
      const still = missingOf(simulation)[0];
      const copy = copies.find((c) => posix.basename(c.source) === still?.name);
      return {
        kind: 'unavailable',
        reason:
          still && copy && still.kind === 'library-missing'
            ? `${still.name}, copied from ${builderName} to ${copy.destination}/, would not be found there: the final image's loader searches ${listSome(still.searched, 6)}`
            : `the files copied from ${builderName} would still not be found by the final image's loader`,
      };
    }
    copies.push(...fresh);
    const view = withCopies(finalView, builder, copies);
    copied.clear();
    for (const copy of copies) {
      const landed = view.resolve(`${copy.destination}/${posix.basename(copy.source)}`);
      if (landed.found) copied.add(landed.path);
    }
    simulation = simulateLoad(view, objectPath);
  }
  if (simulation === null || simulation.notSimulated !== null || missingOf(simulation).length > 0)
    return {
      kind: 'unavailable',
      reason: `copying libraries from ${builderName} does not make ${objectPath} load`,
    };
  const introduced = simulation.problems.find((p) => introducedBy(p, copied));
  if (introduced)
    return {
      kind: 'unavailable',
      reason: `the copies from ${builderName} would not load: ${describeProblem(introduced)}`,
    };
  // What stops the start besides the missing files (a GLIBC_x the final libc lacks, EG104):
  // the copies alone would not make it start, so they are not offered as its fix.
  const remaining = simulation.problems.find(
    (p) => p.kind === 'version-missing' || (p.kind === 'symbol-unresolved' && p.fatalAtStart),
  );
  if (remaining)
    return {
      kind: 'unavailable',
      reason: `with the copies added, ${describeProblem(remaining)} (${remaining.kind === 'version-missing' ? 'EG104' : 'EG105'}): the copies alone would not make it start`,
    };
  return { kind: 'copies', copies };
}
