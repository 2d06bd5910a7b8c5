/**
 * COPY and ADD lineage (BuildKit's dispatchCopy): where each source lands under the destination,
 * `--from` a stage (by name or index) or an image, here-documents, and the lookup of the files a
 * stage holds at a path, which `RUN cp` and `RUN --mount=from=` also use.
 * Section names refer to shared/notes/buildkit-dockerfile-reference.md.
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { InputError } from '../errors.js';
import { emptyFlags } from './gobuild.js';
import { lookupIn } from './scope.js';
import { stage } from './stages.js';
import {
  addEvent,
  cleanPath,
  covers,
  emptyTriple,
  expand,
  expandList,
  isGlob,
  latestPerPath,
  where,
  type FileEvent,
  type Origin,
  type ReadContext,
  type StageState,
} from './state.js';
import type { Instruction } from './syntax.js';
import type { ChainStep } from './types.js';

/** Directories every non-scratch base has: a single-source COPY into them lands inside. */
const KNOWN_DIRS = new Set([
  '/',
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/etc',
  '/tmp',
  '/opt',
  '/usr/lib',
  '/usr/local/lib',
  '/lib',
  '/var/lib',
  '/usr/share',
]);

/** Folder names builds write their outputs into (make's bin/, goreleaser's dist/, out/...). */
const OUTPUT_FOLDER = /^(bin|out|output|outputs|dist|_output|release|releases|artifacts|binaries)$/;

const NOT_A_BINARY =
  /\.(sh|bash|conf|cfg|ini|ya?ml|json|toml|txt|md|html?|js|css|crt|pem|key|xml|env|py|rb|pl|go)$/;

export function copySourceFrom(
  ctx: ReadContext,
  state: StageState,
  instruction: Instruction,
  value: string,
): StageState | string {
  const lookup = lookupIn(state);
  const from = expand(ctx, value, lookup, instruction);
  // COPY --from: a stage name, a stage index (0 = first FROM) or an image.
  if (/^[0-9]+$/.test(from)) {
    const index = Number(from);
    if (index >= state.def.index) {
      throw new InputError(
        `${where(ctx, instruction)}: --from=${from} refers to the current or a later stage (stages are numbered from 0)`,
      );
    }
    return stage(ctx, ctx.defs[index]!);
  }
  const def = ctx.defs.find((d) => d.name === from.toLowerCase());
  if (def === state.def)
    throw new InputError(
      `${where(ctx, instruction)}: --from=${from} refers to its own stage (circular dependency)`,
    );
  if (def) return stage(ctx, def);
  return from;
}

export function dispatchCopy(ctx: ReadContext, state: StageState, instruction: Instruction): void {
  const lookup = lookupIn(state);
  const flag = (name: string): string | null => {
    const f = instruction.flags.find((x) => x.name === name);
    return f?.value === undefined || f.value === null
      ? null
      : expand(ctx, f.value, lookup, instruction);
  };
  const fromValue = instruction.flags.find((f) => f.name === 'from')?.value ?? null;
  const source = fromValue === null ? null : copySourceFrom(ctx, state, instruction, fromValue);
  const chmod = flag('chmod');
  const chown = flag('chown');
  const step = (path: string): ChainStep => ({
    stage: state.label,
    instruction: instruction.keyword,
    range: instruction.range,
    path,
  });
  let words = instruction.json ?? expandList(ctx, instruction.args, lookup, instruction);
  if (instruction.json) words = words.map((w) => expand(ctx, w, lookup, instruction));
  if (instruction.heredocs.length > 0) {
    const dest = destination(state, words[words.length - 1] ?? '.');
    for (const heredoc of instruction.heredocs) {
      const path = words.length > 2 || dest.endsWith('/') ? posix.join(dest, heredoc.name) : dest;
      addEvent(state, {
        kind: 'file',
        path: cleanPath(path),
        origin: {
          stage: state.label,
          source: 'unknown',
          declared: emptyTriple('written by a here-document'),
          flags: emptyFlags(),
          built: null,
          notes: [`written by a here-document at line ${instruction.range.startLine}`],
        },
        chain: [step(cleanPath(path))],
        chmod,
        chown,
      });
    }
    return;
  }
  if (words.length < 2)
    throw new InputError(
      `${where(ctx, instruction)}: ${instruction.keyword} requires at least a source and a destination`,
    );
  const sources = words.slice(0, -1);
  const destRaw = words[words.length - 1]!;
  const dest = destination(state, destRaw);
  const destIsDir = destRaw.endsWith('/') || sources.length > 1 || isDirectory(state, dest);
  for (const src of sources) {
    const into = (name: string): string => cleanPath(destIsDir ? posix.join(dest, name) : dest);
    if (source === null || typeof source === 'string') {
      const url = /^(https?|git):\/\//.test(src) || src.startsWith('git@');
      const image = typeof source === 'string';
      const origin: Origin = {
        stage: image ? source : url ? src : 'context',
        source: image ? 'image' : url ? 'downloaded' : 'prebuilt',
        declared: emptyTriple(
          image
            ? `copied from image ${source}`
            : url
              ? `downloaded from ${src}`
              : `copied from the build context (${src})`,
        ),
        flags: emptyFlags(),
        built: null,
        notes: [],
      };
      const tree =
        src.endsWith('/') ||
        src === '.' ||
        (instruction.keyword === 'ADD' && !image && /\.(tar|tar\.\w+|tgz|tbz2?|txz)$/.test(src));
      const name = posix.basename(src.replace(/\/+$/, ''));
      const path = tree
        ? cleanPath(destIsDir || src === '.' || src.endsWith('/') ? dest : dest)
        : into(name);
      addEvent(state, {
        kind: tree ? 'tree' : 'file',
        path,
        origin,
        chain: [step(path)],
        chmod,
        chown,
      });
      continue;
    }
    const absolute = posix.resolve('/', src);
    const matches = lookupFiles(source, absolute);
    for (const match of matches) {
      // The source names a directory (a tree or build output at that very path, or a path
      // written with a trailing slash): its files land in dest.
      // The source names a directory (a tree or build output at that very path, a path written
      // with a trailing slash, or an output folder inside a build's output such as
      // `build/bin`): its files land in dest, as a folder of files the Dockerfile does not name.
      const wholeDir =
        match.relative === '' &&
        match.event.kind !== 'file' &&
        (match.event.path === absolute ||
          src.endsWith('/') ||
          src.endsWith('/.') ||
          (match.event.kind === 'some' && OUTPUT_FOLDER.test(posix.basename(absolute))));
      const path = wholeDir
        ? cleanPath(dest)
        : match.relative === null
          ? into(posix.basename(match.event.path))
          : match.relative === ''
            ? into(posix.basename(absolute))
            : cleanPath(posix.join(dest, match.relative));
      const kind = wholeDir ? match.event.kind : match.relative === '' ? 'file' : match.event.kind;
      addEvent(state, {
        kind,
        path,
        origin: match.event.origin,
        chain: [...match.event.chain, step(path)],
        chmod: chmod ?? match.event.chmod,
        chown: chown ?? match.event.chown,
      });
    }
  }
}

export function destination(state: StageState, raw: string): string {
  if (/^[A-Za-z]:[\\/]/.test(raw)) return raw.replace(/\\/g, '/');
  const resolved = posix.resolve(state.workdir, raw);
  return raw.endsWith('/') ? resolved + (resolved === '/' ? '' : '/') : resolved;
}

/** Is `path` a directory in the stage: a WORKDIR-like known dir, or one our events created? */
export function isDirectory(state: StageState, path: string): boolean {
  const clean = cleanPath(path);
  if (clean === state.workdir) return true;
  const fromImage = state.rootImage.toLowerCase() !== 'scratch';
  if (fromImage && (KNOWN_DIRS.has(clean) || /\/(bin|sbin|libexec)$/.test(clean))) return true;
  return state.dirs.has(clean);
}

/**
 * The files of `state` that a COPY --from source names: the file itself, the files under a
 * directory, glob matches, or the latest build that may have written it.
 * `relative`: '' for the named file, the path below the named directory, null for a glob.
 */
export function lookupFiles(
  state: StageState,
  src: string,
): { event: FileEvent; relative: string | null }[] {
  const events = state.events;
  // The latest build or tree copy that covers `path` from above, after event index `after`.
  // The latest build or tree copy that covers `path` from above, after event index `after`;
  // among builds that name what they make (`make peer`), the one naming the file wins over a
  // later one that names other things (`make other` on the next line).
  const coveringAfter = (path: string, after: number): FileEvent | null => {
    const name = posix.basename(path);
    let latest: FileEvent | null = null;
    for (let k = state.coverIndex.length - 1; k >= 0 && state.coverIndex[k]! > after; k--) {
      const e = events[state.coverIndex[k]!]!;
      if (e.superseded || e.kind === 'file' || e.path === path || !covers(e.path, path)) continue;
      // Builds write binaries: a script or config file under their directory is not theirs.
      if (e.kind === 'some' && NOT_A_BINARY.test(path)) continue;
      if (e.names?.includes(name)) return e;
      if (latest === null) {
        latest = e;
        // A tree copy or a build that does not say what it makes: nothing earlier can win.
        if (!e.names) return e;
      }
    }
    return latest;
  };
  if (isGlob(src)) {
    const match = picomatch(src, { dot: true });
    const found = latestPerPath(events.filter((e) => e.kind === 'file' && match(e.path)));
    if (found.length > 0) return found.map((event) => ({ event, relative: null }));
    // Names written by a make or `go build .` under the glob's fixed directory.
    const fixed = src.slice(0, src.search(/[*?[]/)).replace(/\/[^/]*$/, '') || '/';
    const cover = coveringAfter(fixed + '/\u0001', -1);
    if (cover) return [{ event: cover, relative: '' }];
  } else {
    const indexed = state.fileIndex.get(src) ?? -1;
    const exactIndex = indexed >= 0 && events[indexed]!.superseded ? -1 : indexed;
    // A later build or tree copy covering the path overrides the exact record.
    const later = coveringAfter(src, exactIndex);
    if (exactIndex >= 0) return [{ event: later ?? events[exactIndex]!, relative: '' }];
    // A directory: everything written at or under it.
    const under = src === '/' ? '/' : src + '/';
    const inside = latestPerPath(
      events.filter((e) => e.path.startsWith(under) || (e.kind !== 'file' && e.path === src)),
    );
    if (inside.length > 0) {
      return inside.map((event) => ({
        event,
        relative: event.path === src ? '' : event.path.slice(under.length),
      }));
    }
    if (later) return [{ event: later, relative: '' }];
  }
  const image = state.rootImage.toLowerCase() !== 'scratch';
  const origin: Origin = {
    stage: image ? state.rootImage : state.label,
    source: image ? 'image' : 'unknown',
    declared: emptyTriple(
      image
        ? `present in the base image ${state.rootImage}`
        : `not written by any instruction of stage ${state.label}`,
    ),
    flags: emptyFlags(),
    built: null,
    notes: image
      ? []
      : [`${src} is not written by any instruction the model understands in stage ${state.label}`],
  };
  return [
    {
      event: { kind: 'file', path: src, origin, chain: [], chmod: null, chown: null },
      relative: '',
    },
  ];
}
