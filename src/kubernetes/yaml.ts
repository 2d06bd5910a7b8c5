/**
 * Multi-document YAML as `kubectl apply -f` reads it, with the line of every mapping, key and
 * sequence item, so that a finding about a container lands on the manifest's own lines.
 *
 * Values are js-yaml's (core schema: numbers, booleans and null are typed, as the API server
 * sees them in JSON); positions live beside them in a Map keyed by each composed object,
 * built from js-yaml's `listener` events (each node opens with the parser position and closes
 * with its composed value, in document order).
 *
 * Aliases: js-yaml shares the anchored object instead of copying it, so a "billion laughs"
 * document costs no memory here, but anything that walks it would. Like the Go YAML decoder the
 * API machinery uses (gopkg.in/yaml decode.go `allowedAliasRatio`: past 1,000 decoded nodes and
 * 100 alias-driven ones, at most 99% of nodes may come from aliases in small documents, falling
 * to 10% at 4,000,000), a document that expands too much is refused with its line.
 */
import yaml from 'js-yaml';
import { InputError } from '../errors.js';

/** 1-based lines of a composed mapping or sequence. */
export interface NodeLines {
  /** The line where the node's content starts. */
  line: number;
  /** Mapping: the line of each key. */
  keys: Map<string, number>;
  /** Sequence: the line of each item. */
  items: number[];
}

export interface YamlDocument {
  /** 0-based index of the document in its file (`---` separated). */
  index: number;
  /** The line where the document's content starts (1-based). */
  line: number;
  value: unknown;
}

export interface LocatedYaml {
  file: string;
  documents: YamlDocument[];
  /** The lines of every mapping and sequence of the file's documents. */
  lines: Map<object, NodeLines>;
}

/** A node being composed; its children are reduced to what the parent needs as they close. */
interface Frame {
  start: number;
  alias: boolean;
  children: Closed[];
}

/** A composed node: its value and first line. */
interface Closed {
  line: number;
  result: unknown;
}

/** Offsets where each line starts, to turn an offset into a line by binary search. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/** The offset of the node's first character: the parser may stand on blanks or comments. */
function contentStart(text: string, offset: number): number {
  let at = offset;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (text[at] !== '#') return at;
    while (at < text.length && text[at] !== '\n') at++;
  }
}

const RATIO_LOW = 400_000;
const RATIO_HIGH = 4_000_000;

/** gopkg.in/yaml's allowedAliasRatio: the share of decoded nodes aliases may account for. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= RATIO_LOW) return 0.99;
  if (decodeCount >= RATIO_HIGH) return 0.1;
  return 0.99 - (0.89 * (decodeCount - RATIO_LOW)) / (RATIO_HIGH - RATIO_LOW);
}

/** Nodes a full decode of `value` visits, aliases expanded; memoised over shared objects. */
function expandedSize(value: unknown, memo: Map<object, number>): number {
  if (value === null || typeof value !== 'object') return 1;
  const known = memo.get(value);
  if (known !== undefined) return known;
  memo.set(value, 1); // a cycle (which js-yaml does not build) would count once
  let size = 1;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    size += expandedSize(child, memo);
    // Object keys are decoded too.
    if (!Array.isArray(value)) size += 1;
  }
  memo.set(value, size);
  return size;
}

/**
 * Parses every document of `text`. Errors (syntax, excessive aliasing) are InputErrors naming
 * `file:line:column` (syntax) or `file:line` (aliasing). Empty documents are dropped, as kubectl
 * drops them.
 */
export function parseManifestYaml(text: string, file: string): LocatedYaml {
  const starts = lineStarts(text);
  const lines = new Map<object, NodeLines>();
  const stack: Frame[] = [{ start: 0, alias: false, children: [] }];
  // Per document: the aliases met (line, value), checked once the document is composed.
  let aliases: { line: number; value: unknown }[] = [];
  const documentAliases: { line: number; value: unknown }[][] = [];

  // Lines are recorded as each node closes, so only the open path is held, not a tree of the file.
  const close = (frame: Frame, result: unknown): Closed => {
    const line = lineAt(starts, contentStart(text, frame.start));
    if (frame.alias) {
      aliases.push({ line, value: result });
      return { line, result };
    }
    // A block sequence entry opens a wrapper node around the item itself: unwrap it.
    if (frame.children.length === 1 && frame.children[0]!.result === result)
      return frame.children[0]!;
    if (result !== null && typeof result === 'object' && !lines.has(result)) {
      const nodeLines: NodeLines = { line, keys: new Map(), items: [] };
      if (Array.isArray(result)) {
        for (const child of frame.children) nodeLines.items.push(child.line);
      } else {
        for (let i = 0; i + 1 < frame.children.length; i += 2) {
          const key = frame.children[i]!;
          nodeLines.keys.set(String(key.result), key.line);
        }
      }
      lines.set(result, nodeLines);
    }
    return { line, result };
  };

  try {
    // The documents are taken from the listener's closed nodes, with their lines.
    yaml.loadAll(text, () => undefined, {
      filename: file,
      listener(event, state) {
        if (event === 'open') {
          const at = contentStart(text, state.position);
          stack.push({ start: state.position, alias: text[at] === '*', children: [] });
          return;
        }
        const closed = close(stack.pop()!, state.result);
        stack[stack.length - 1]!.children.push(closed);
        if (stack.length === 1) {
          documentAliases.push(aliases);
          aliases = [];
        }
      },
    });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // At the end of the stream js-yaml points past the last line: name the last line instead.
      const { line, column } =
        error.mark.position >= text.trimEnd().length
          ? { line: lineAt(starts, text.trimEnd().length), column: 1 }
          : { line: error.mark.line + 1, column: error.mark.column + 1 };
      throw new InputError(`${file}:${line}:${column}: invalid YAML: ${error.reason}`);
    }
    throw error;
  }
  const documents: YamlDocument[] = [];
  const memo = new Map<object, number>();
  stack[0]!.children.forEach((closed, index) => {
    checkAliasing(closed.result, documentAliases[index] ?? [], memo, file);
    if (closed.result !== null && closed.result !== undefined)
      documents.push({ index, line: closed.line, value: closed.result });
  });
  return { file, documents, lines };
}

function checkAliasing(
  value: unknown,
  aliases: { line: number; value: unknown }[],
  memo: Map<object, number>,
  file: string,
): void {
  if (aliases.length === 0) return;
  const decodeCount = expandedSize(value, memo);
  const sized = aliases.map((alias) => ({
    line: alias.line,
    size: expandedSize(alias.value, memo),
  }));
  const aliasCount = sized.reduce((sum, alias) => sum + alias.size, 0);
  if (
    aliasCount > 100 &&
    decodeCount > 1000 &&
    aliasCount / decodeCount > allowedAliasRatio(decodeCount)
  ) {
    const worst = sized.reduce((a, b) => (b.size > a.size ? b : a));
    throw new InputError(
      `${file}:${worst.line}: the document contains excessive aliasing (aliases expand to ${aliasCount} of ${decodeCount} nodes; the Kubernetes API machinery refuses it too)`,
    );
  }
}
