/**
 * YAML with the line and column of every node, so that a wrong value in the config is reported
 * at `file:line:column`. js-yaml returns plain values; its `listener` option reports each node
 * as it opens (with the parser position) and closes (with the composed value), in document order,
 * and from those events this module rebuilds the tree with positions. The failsafe schema keeps
 * every scalar a string (`off`, `2026-12-31` and `yes` stay as written); the config reader
 * checks types itself.
 */
import yaml from 'js-yaml';
import { InputError } from '../errors.js';

export interface Position {
  line: number;
  column: number;
}

export type LocatedNode =
  | { kind: 'scalar'; value: string; at: Position }
  | { kind: 'sequence'; items: LocatedNode[]; at: Position }
  | {
      kind: 'mapping';
      entries: { key: string; keyAt: Position; value: LocatedNode }[];
      at: Position;
    }
  | { kind: 'null'; at: Position };

interface Frame {
  start: number;
  result: unknown;
  children: Frame[];
}

/**
 * 1-based line and column of offsets in `text`, after skipping the blanks the parser stood on.
 * The line starts are found once, and each position by binary search: a config of 50,000
 * entries is positioned in linear time, not by re-reading the text before each node.
 */
class Positions {
  private readonly lineStarts: number[] = [0];
  constructor(private readonly text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1))
      this.lineStarts.push(at + 1);
  }

  of(offset: number): Position {
    const { text } = this;
    let at = offset;
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (at >= text.length) at = Math.min(offset, Math.max(0, text.length - 1));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: at - this.lineStarts[low]! + 1 };
  }
}

function build(frame: Frame, positions: Positions): LocatedNode {
  const at = positions.of(frame.start);
  // A block sequence entry opens a wrapper node around the item itself: unwrap it.
  if (frame.children.length === 1 && frame.children[0]!.result === frame.result) {
    return build(frame.children[0]!, positions);
  }
  const value = frame.result;
  if (value === null || value === undefined) return { kind: 'null', at };
  if (typeof value === 'string') return { kind: 'scalar', value, at };
  if (Array.isArray(value))
    return { kind: 'sequence', items: frame.children.map((c) => build(c, positions)), at };
  const entries: { key: string; keyAt: Position; value: LocatedNode }[] = [];
  for (let i = 0; i + 1 < frame.children.length; i += 2) {
    const keyFrame = frame.children[i]!;
    entries.push({
      key: String(keyFrame.result),
      keyAt: positions.of(keyFrame.start),
      value: build(frame.children[i + 1]!, positions),
    });
  }
  return { kind: 'mapping', entries, at };
}

/** Parses `text`; a syntax error becomes an InputError naming `file:line:column`. */
export function parseLocatedYaml(text: string, file: string): LocatedNode {
  const root: Frame = { start: 0, result: undefined, children: [] };
  const stack: Frame[] = [root];
  try {
    yaml.load(text, {
      filename: file,
      schema: yaml.FAILSAFE_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ start: state.position, result: undefined, children: [] });
        } else {
          const frame = stack.pop()!;
          frame.result = state.result;
          stack[stack.length - 1]!.children.push(frame);
        }
      },
    });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // Some errors have no place: several documents in one file, for one.
      if (!error.mark) throw new InputError(`${file}: ${error.reason}`);
      throw new InputError(
        `${file}:${error.mark.line + 1}:${error.mark.column + 1}: ${error.reason}`,
      );
    }
    throw error;
  }
  const document = root.children[0];
  return document
    ? build(document, new Positions(text))
    : { kind: 'null', at: { line: 1, column: 1 } };
}
