/**
 * The fix as a diff of the user's own Dockerfile lines, where the finding's facts tell exactly
 * what to change; null where they do not (the rule's generic fix is shown instead).
 *
 * - A cgo build that lands on a base without a C library (EG202): the actual `RUN … go build`
 *   line that built the file, with `CGO_ENABLED=0` put in front of the `go build` command of the
 *   shell list, where the shell passes it to that command alone (POSIX sh "Simple Commands":
 *   assignments before a command name go into that command's environment). An existing
 *   `CGO_ENABLED=1` there is flipped.
 * - A loader (EG101) or library (EG103) missing for a file another stage built: after the COPY
 *   that placed the file, one `COPY --from=<builder> <file> <folder>/` per file of the loader
 *   and library closure that the final image lacks (found by src/fix/, carried on the finding),
 *   the seed's minimal-runtime recipe. A file several findings need is listed once.
 * - An ELF interpreter missing from a `FROM scratch` stage (EG101) that no builder was read for:
 *   that FROM line with the base that provides the loader the binary names: glibc's `ld-linux*`
 *   in distroless base (Debian's glibc), musl's `ld-musl-*` in Alpine. (A cgo Go binary is
 *   EG202, fixed by its build line.)
 * - A script whose `#!` line ends in a carriage return (EG303, CRLF line endings): a `RUN sed`
 *   after the line that put the script in place, in a stage that has sed (the stage that built
 *   it), else `.gitattributes` so git checks it out with LF.
 */
import type { DockerfileRange, Finding } from '../findings.js';

/** One replacement of Dockerfile lines: `startLine`..`endLine` (1-based) become `after`. */
export interface LineEdit {
  path: string;
  startLine: number;
  endLine: number;
  before: string[];
  after: string[];
}

/** `go build` / `go install` as a command word: at the start of a shell command. */
const GO_BUILD =
  /(^|&&|\|\||;|\||\(|RUN\s+)(\s*)((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(go\s+(?:build|install)\b)/g;

/** The RUN line(s) with CGO_ENABLED=0 in front of each `go build`; null when there is none. */
export function disableCgo(lines: readonly string[]): string[] | null {
  let changed = false;
  const after = lines.map((line) =>
    line.replace(GO_BUILD, (_all, lead: string, space: string, assigns: string, go: string) => {
      changed = true;
      const rest = assigns.replace(/(^|\s)CGO_ENABLED=\S*\s+/g, '$1');
      return `${lead}${space}CGO_ENABLED=0 ${rest}${go}`;
    }),
  );
  if (!changed) return null;
  return after.join('\n') === lines.join('\n') ? null : after;
}

function linesOf(text: string, range: DockerfileRange): string[] {
  return text.split(/\r?\n/).slice(range.startLine - 1, range.endLine);
}

/**
 * The edits for a group of findings of one rule, against the Dockerfile text they were blamed
 * on. Each Dockerfile line is edited at most once, in line order.
 */
export function userLineEdits(
  ruleId: string,
  findings: readonly Finding[],
  text: string,
): LineEdit[] {
  const edits = new Map<number, LineEdit>();
  // A loader or libc two programs need is copied once, after the first COPY that needs it.
  const copied = new Set<string>();
  for (const finding of findings) {
    if (ruleId === 'EG202') {
      const built = finding.related.find((r) => r.role === 'built');
      if (!built || edits.has(built.startLine)) continue;
      const before = linesOf(text, built);
      const after = disableCgo(before);
      if (after) edits.set(built.startLine, { ...rangeOf(built), before, after });
    } else if (
      (ruleId === 'EG101' || ruleId === 'EG103') &&
      finding.libraryClosure?.kind === 'copy-from'
    ) {
      const { after: placed, from, copies } = finding.libraryClosure;
      const lines = copies
        .map((c) => copyLine(from, c.source, c.destination))
        .filter((line) => !copied.has(line));
      lines.forEach((line) => copied.add(line));
      const existing = edits.get(placed.startLine);
      if (existing) existing.after.push(...lines);
      else {
        const before = linesOf(text, placed);
        edits.set(placed.startLine, { ...rangeOf(placed), before, after: [...before, ...lines] });
      }
    } else if (
      ruleId === 'EG101' &&
      !(finding.libraryClosure?.kind === 'unavailable' && finding.libraryClosure.builderRead)
    ) {
      // A builder read and found short of the program's own libraries: a base image with the
      // loader would lack them too, so no FROM line is offered, only the reason.
      const from = finding.related.find((r) => r.role === 'from');
      if (!from || edits.has(from.startLine)) continue;
      const before = linesOf(text, from);
      const base = baseWithLoader(finding);
      const line = before.length === 1 ? FROM_SCRATCH.exec(before[0]!) : null;
      if (base && line)
        edits.set(from.startLine, {
          ...rangeOf(from),
          before,
          after: [`${line[1]}${base}${line[2]}`],
        });
    } else if (ruleId === 'EG303' && finding.path !== null && carriageReturn(finding)) {
      const placed = finding.dockerfile;
      if (!placed || placed.role !== 'placed' || edits.has(placed.startLine)) continue;
      const before = linesOf(text, placed);
      const fixLine = `RUN sed -i 's/\\r$//' ${finding.path}`;
      edits.set(placed.startLine, { ...rangeOf(placed), before, after: [...before, fixLine] });
    }
  }
  return [...edits.values()].sort((a, b) => a.startLine - b.startLine);
}

/**
 * `COPY --from=<from> <source> <folder>/`; the JSON form when a path has white space or
 * quotes, which the plain form would split (BuildKit's instructions parser).
 */
export function copyLine(from: string, source: string, folder: string): string {
  const destination = folder.endsWith('/') ? folder : `${folder}/`;
  if (/[\s"'\\]/.test(source + destination))
    return `COPY --from=${from} ${JSON.stringify([source, destination]).replace(/","/g, '", "')}`;
  return `COPY --from=${from} ${source} ${destination}`;
}

/** `FROM [--platform=…] scratch [AS name]`: the text before and after `scratch`. */
const FROM_SCRATCH = /^(\s*FROM\s+(?:--platform=\S+\s+)?)scratch(\s+AS\s+\S+\s*|\s*)$/i;

/** The base image whose loader the finding's PT_INTERP names, or null. */
function baseWithLoader(finding: Finding): string | null {
  const interpreter = [finding.message, ...finding.evidence].join('\n');
  if (/\bld-musl-[\w.-]+\.so\.1\b/.test(interpreter)) return 'alpine:3.20';
  if (/\bld-linux[\w.-]*\.so\.\d\b/.test(interpreter)) return 'gcr.io/distroless/base-debian12';
  return null;
}

function rangeOf(range: DockerfileRange): Pick<LineEdit, 'path' | 'startLine' | 'endLine'> {
  return { path: range.path, startLine: range.startLine, endLine: range.endLine };
}

/** Whether the finding says the `#!` line ends in a carriage return (a CRLF script). */
function carriageReturn(finding: Finding): boolean {
  return [finding.message, ...finding.evidence].some((line) =>
    /\r|\\r|carriage return|CRLF/i.test(line),
  );
}

/** The edits as one unified-diff text (`@@ path:line @@` hunks), for a ```diff block. */
export function diffText(
  edits: readonly LineEdit[],
  name: (path: string) => string = (path) => path,
): string {
  return edits
    .map((edit) =>
      [
        `@@ ${name(edit.path)}:${edit.startLine} @@`,
        ...edit.before.map((line) => `-${line}`),
        ...edit.after.map((line) => `+${line}`),
      ].join('\n'),
    )
    .join('\n');
}
