/**
 * Compares the model with shared/corpus/ground_truth.json, read for a linux/amd64 target on a
 * linux/amd64 builder. Used by corpus.test.ts and by scripts/dockerfile-corpus-agreement.mjs.
 *
 * Mapping of the corpus notation (shared/corpus/README.md) to expected values here:
 * - literals (`linux`, `arm64`, `0`, `1`, `amd64 (stage ARG default)`) -> the literal;
 * - `$TARGETOS` / `$TARGETARCH`, `xx:$TARGETOS` / `xx:$TARGETARCH` -> linux / amd64;
 * - `native:target`, `native:build` -> linux (GOOS) / amd64 (GOARCH), builder = target here;
 * - `unset(gcc)` -> 1, `unset(no-cc)` -> 0; `0 (1 if darwin)` -> 0 (the target is linux);
 * - NOT determined by the Dockerfile, so not counted: `unclear`, `n/a`, project build-args
 *   without a default (`$ARCH`, `$GOARCH`), `case($TARGETPLATFORM)`, and every value of an
 *   artifact that is not built in the Dockerfile (origin prebuilt, downloaded, external image,
 *   Debian package, Rust): those values come from a path name, not from a declaration.
 * - `native:*` and `unset(...)` name Go's default where nothing visible sets the value. For a
 *   build a Makefile or script runs, the model keeps that default beside the declaration
 *   (`declared.X.assumed`, `value` null: the script may set it), so those notations are
 *   compared with `value ?? assumed`; every other notation with `value` alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { readDockerfile } from '../../src/dockerfile/model.js';
import type { Artifact, DockerfileModel } from '../../src/dockerfile/types.js';

interface TruthArtifact {
  dest: string;
  from_stage: string;
  origin: string;
  GOOS: string;
  GOARCH: string;
  CGO_ENABLED: string;
}

interface TruthFile {
  file: string;
  artifacts: TruthArtifact[];
}

export interface Comparison {
  file: string;
  dest: string;
  key: 'GOOS' | 'GOARCH' | 'CGO_ENABLED';
  truth: string;
  expected: string;
  actual: string | null;
  origin: string;
  matchedPath: string | null;
}

export interface AgreementResult {
  files: number;
  determined: number;
  agreed: number;
  comparisons: Comparison[];
  misses: Comparison[];
  errors: { file: string; message: string }[];
  /** Values the corpus calls `unclear` for which the model still claims one (over-precision). */
  overclaims: Comparison[];
  targetArch: string;
}

const NOT_BUILT_HERE =
  /^(prebuilt|downloaded|external image|from image|debian package|cargo build)/;

/** The value a linux/amd64 build on a linux/amd64 builder gets, or null when not determined. */
export function expectedValue(
  key: 'GOOS' | 'GOARCH' | 'CGO_ENABLED',
  notation: string,
  targetArch: 'amd64' | 'arm64' = 'amd64',
): string | null {
  const text = notation.trim();
  if (targetArch !== 'amd64') {
    // Cross-building on an amd64 builder: `unset(gcc)` no longer says whether the stage
    // cross-compiles, so only literals and platform notations are compared.
    if (text.startsWith('unset(')) return null;
    if (text === 'native:target' || text === '$TARGETARCH' || text === 'xx:$TARGETARCH') {
      return key === 'GOOS' ? 'linux' : targetArch;
    }
  }
  if (
    text === 'unclear' ||
    text === 'n/a' ||
    text === '$ARCH' ||
    text === '$GOARCH' ||
    text.startsWith('case(')
  )
    return null;
  if (text === 'native:target' || text === 'native:build')
    return key === 'GOOS' ? 'linux' : 'amd64';
  if (text === '$TARGETOS' || text === 'xx:$TARGETOS') return 'linux';
  if (text === '$TARGETARCH' || text === 'xx:$TARGETARCH') return 'amd64';
  if (text === 'unset(gcc)') return '1';
  if (text === 'unset(no-cc)') return '0';
  if (text === '0 (1 if darwin)') return '0';
  const literal = /^(linux|darwin|windows|amd64|arm64|arm|386|0|1)\b/.exec(text);
  if (literal) return literal[1]!;
  throw new Error(`corpus notation not mapped: ${key}=${notation}`);
}

/** The model's artifact for a ground-truth destination (notation: globs, `(…)` remarks). */
export function findArtifact(
  model: DockerfileModel,
  dest: string,
  targetArch = 'amd64',
): Artifact | null {
  const clean = dest
    .replace(/\s*\(.*\)\s*$/, '')
    .replace(/\$\{?TARGETOS\}?/g, 'linux')
    .replace(/\$\{?TARGETARCH\}?/g, targetArch)
    .trim();
  const candidates = model.artifacts;
  const exact = candidates.filter((a) => a.path === clean);
  const pick = (list: Artifact[]): Artifact | null =>
    list.find((a) => a.source === 'built') ?? list[0] ?? null;
  if (exact.length > 0) return pick(exact);
  if (clean.includes('*') || clean.includes('$')) {
    const match = picomatch(clean.replace(/\$\{?\w+\}?/g, '*'), { dot: true });
    const globbed = candidates.filter((a) => match(a.path));
    if (globbed.length > 0) return pick(globbed);
  }
  const covering = candidates.filter((a) => a.path.endsWith('/') && clean.startsWith(a.path));
  if (covering.length > 0) return pick(covering);
  const patterns = candidates.filter(
    (a) => /[*?[]/.test(a.path) && picomatch(a.path, { dot: true })(clean),
  );
  return pick(patterns);
}

/**
 * Reads every corpus Dockerfile for a linux/`targetArch` target on a linux/amd64 builder and
 * compares the determined values (see expectedValue for the notation mapping).
 */
export function compareCorpus(
  corpusDir: string,
  targetArch: 'amd64' | 'arm64' = 'amd64',
): AgreementResult {
  const truth = JSON.parse(
    readFileSync(join(corpusDir, 'ground_truth.json'), 'utf8'),
  ) as TruthFile[];
  const present = new Set(readdirSync(join(corpusDir, 'dockerfiles')));
  const result: AgreementResult = {
    files: 0,
    determined: 0,
    agreed: 0,
    comparisons: [],
    misses: [],
    errors: [],
    overclaims: [],
    targetArch,
  };
  for (const entry of truth) {
    if (!present.has(entry.file)) throw new Error(`corpus file missing: ${entry.file}`);
    result.files++;
    const path = join(corpusDir, 'dockerfiles', entry.file);
    let model: DockerfileModel | null = null;
    try {
      model = readDockerfile(readFileSync(path, 'utf8'), {
        path: entry.file,
        platform: `linux/${targetArch}`,
        buildPlatform: 'linux/amd64',
      });
    } catch (error) {
      result.errors.push({ file: entry.file, message: (error as Error).message });
    }
    for (const artifact of entry.artifacts) {
      if (NOT_BUILT_HERE.test(artifact.origin)) continue;
      const mine = model ? findArtifact(model, artifact.dest, targetArch) : null;
      for (const key of ['GOOS', 'GOARCH', 'CGO_ENABLED'] as const) {
        const expected = expectedValue(key, artifact[key], targetArch);
        if (expected === null) {
          const claimed = mine ? mine.declared[key].value : null;
          if (artifact[key] === 'unclear' && claimed !== null) {
            result.overclaims.push({
              file: entry.file,
              dest: artifact.dest,
              key,
              truth: 'unclear',
              expected: 'null',
              actual: claimed,
              origin: mine!.declared[key].origin,
              matchedPath: mine!.path,
            });
          }
          continue;
        }
        result.determined++;
        const declared = mine ? mine.declared[key] : null;
        const goDefault = /^(native:|unset\()/.test(artifact[key].trim());
        const actual = declared
          ? goDefault
            ? (declared.value ?? declared.assumed)
            : declared.value
          : null;
        const comparison: Comparison = {
          file: entry.file,
          dest: artifact.dest,
          key,
          truth: artifact[key],
          expected,
          actual,
          origin: mine ? mine.declared[key].origin : 'no artifact found for this path',
          matchedPath: mine?.path ?? null,
        };
        result.comparisons.push(comparison);
        if (actual === expected) result.agreed++;
        else result.misses.push(comparison);
      }
    }
  }
  return result;
}

/** The agreement table, for the closing note. */
export function formatAgreement(result: AgreementResult): string {
  const pct = ((100 * result.agreed) / Math.max(1, result.determined)).toFixed(1);
  const lines = [
    `corpus: ${result.files} Dockerfiles, ${result.determined} values determined by the Dockerfile (linux/${result.targetArch} target, linux/amd64 builder)`,
    `agreement: ${result.agreed}/${result.determined} = ${pct}%`,
  ];
  const byKey = new Map<string, { n: number; ok: number }>();
  for (const c of result.comparisons) {
    const row = byKey.get(c.key) ?? { n: 0, ok: 0 };
    row.n++;
    if (c.actual === c.expected) row.ok++;
    byKey.set(c.key, row);
  }
  lines.push('', '| value | determined | agreed |', '|---|---|---|');
  for (const [key, row] of byKey) lines.push(`| ${key} | ${row.n} | ${row.ok} |`);
  if (result.misses.length > 0) {
    lines.push('', 'misses:');
    for (const m of result.misses) {
      lines.push(
        `- ${m.file} ${m.dest} ${m.key}: corpus ${m.truth} -> ${m.expected}, model ${m.actual ?? 'null'} (${m.origin}; matched ${m.matchedPath ?? 'nothing'})`,
      );
    }
  }
  lines.push(
    '',
    `values the corpus calls unclear but the model states: ${result.overclaims.length}`,
  );
  for (const o of result.overclaims)
    lines.push(`- ${o.file} ${o.dest} ${o.key}: model ${o.actual} (${o.origin})`);
  if (result.errors.length > 0) {
    lines.push('', 'errors:');
    for (const e of result.errors) lines.push(`- ${e.file}: ${e.message}`);
  }
  return lines.join('\n');
}
