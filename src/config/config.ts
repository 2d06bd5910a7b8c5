/**
 * The repository config, `.exit139-guard.yml`:
 *
 * ```yaml
 * rules:                      # level per rule: error | warning | note | off (disabled)
 *   EG501: off
 *   EG107: error
 * ignore-paths:               # image paths (picomatch globs) whose findings are dropped
 *   - /opt/vendor/**
 * suppressions:               # findings kept in SARIF as suppressed, not gating
 *   - rule: EG103
 *     path: /usr/lib/x86_64-linux-gnu/libcuda.so.1   # optional glob
 *     reason: injected at run time by the NVIDIA container toolkit
 *     expires: 2026-12-31     # optional; after this day the suppression no longer applies
 * nodes:                      # what every node that runs the image has at least
 *   x86-64-level: x86-64-v3   # EG111; default x86-64-v2
 * ```
 *
 * Anything else is an error naming `file:line:column`: a typo in a config must never silently
 * switch a check off.
 */
import { lstatSync } from 'node:fs';
import picomatch from 'picomatch';
import { InputError } from '../errors.js';
import { parseX86Level, X86_LEVEL_NAMES } from '../exec/cpu-level.js';
import { LEVELS, type Level } from '../findings.js';
import { MAX_CONFIG_BYTES, readInputText } from '../input-files.js';
import { isRuleId, unknownRuleMessage } from '../rules/catalog.js';
import { parseLocatedYaml, type LocatedNode, type Position } from './located-yaml.js';

export const DEFAULT_CONFIG_FILE = '.exit139-guard.yml';

export type RuleLevelSetting = Level | 'off';

export interface RuleSetting {
  level: RuleLevelSetting;
  /** `file:line`, for messages. */
  source: string;
}

export interface PathGlob {
  glob: string;
  /** The compiled pattern (picomatch), anchored: `regex.test(path)` is `matches(path)`. */
  regex: RegExp;
  matches: (imagePath: string) => boolean;
  source: string;
}

/** The longest image path pattern: a path is at most PATH_MAX (4096) bytes on Linux. */
export const MAX_GLOB_LENGTH = 4096;

export interface ConfigSuppression {
  rule: string;
  /** Null: every path (and findings about the image as a whole). */
  path: PathGlob | null;
  reason: string;
  expires: string | null;
  source: string;
}

export interface GuardConfig {
  /** The file as named to the user, or null when no config file is used. */
  file: string | null;
  rules: Map<string, RuleSetting>;
  ignorePaths: PathGlob[];
  suppressions: ConfigSuppression[];
  /** `nodes.kernel-minimum`: the oldest kernel the image must start on (EG107); absent: unchecked. */
  kernelMinimum?: string | null;
  /** `nodes.x86-64-level` (`x86-64-v1`..`x86-64-v4`), or null when the config does not say. */
  x86Level: string | null;
}

export const EMPTY_CONFIG: GuardConfig = {
  file: null,
  rules: new Map(),
  ignorePaths: [],
  suppressions: [],
  x86Level: null,
};

const LEVEL_SETTINGS: readonly RuleLevelSetting[] = [...LEVELS, 'off'];

function fail(file: string, at: Position, message: string): never {
  throw new InputError(`${file}:${at.line}:${at.column}: ${message}`);
}

/** An image-path glob; image paths are absolute, so a relative pattern could never match. */
export function imagePathGlob(
  glob: string,
  source: string,
  onError: (message: string) => never,
): PathGlob {
  if (!glob.startsWith('/') && !glob.startsWith('**')) {
    onError(
      `image path pattern '${glob}' must be absolute (start with '/' or '**'), e.g. '/usr/share/doc/**'`,
    );
  }
  if (glob.length > MAX_GLOB_LENGTH) {
    onError(
      `image path pattern of ${glob.length} characters: the longest accepted is ${MAX_GLOB_LENGTH} (PATH_MAX)`,
    );
  }
  let regex: RegExp;
  try {
    regex = picomatch.makeRe(glob, { dot: true });
  } catch (error) {
    onError(
      `image path pattern ${JSON.stringify(glob)} is not a valid glob: ${(error as Error).message}`,
    );
  }
  return { glob, regex, matches: (imagePath) => regex.test(imagePath), source };
}

/** YYYY-MM-DD naming a real day (not 2026-02-30): for config suppressions and pragmas alike. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function expectScalar(node: LocatedNode, file: string, what: string): string {
  if (node.kind !== 'scalar') fail(file, node.at, `${what} must be a single value`);
  return node.value;
}

function readRules(node: LocatedNode, file: string, config: GuardConfig): void {
  if (node.kind === 'null') return;
  if (node.kind !== 'mapping')
    fail(file, node.at, "'rules' must map rule ids to a level, e.g. 'EG501: off'");
  for (const entry of node.entries) {
    if (!isRuleId(entry.key)) fail(file, entry.keyAt, unknownRuleMessage(entry.key));
    const level = expectScalar(entry.value, file, `the level of ${entry.key}`);
    if (!(LEVEL_SETTINGS as readonly string[]).includes(level)) {
      fail(
        file,
        entry.value.at,
        `level of ${entry.key} must be one of ${LEVEL_SETTINGS.join(', ')}, not '${level}'`,
      );
    }
    config.rules.set(entry.key, {
      level: level as RuleLevelSetting,
      source: `${file}:${entry.keyAt.line}`,
    });
  }
}

/** `4.14`, `5.10.0`: a kernel release as `uname -r` begins. */
const KERNEL_VERSION = /^\d+\.\d+(\.\d+)?$/;

function readKernelMinimum(node: LocatedNode, file: string, config: GuardConfig): void {
  const value = expectScalar(node, file, "'nodes.kernel-minimum'");
  if (!KERNEL_VERSION.test(value))
    fail(
      file,
      node.at,
      `'nodes.kernel-minimum' must be a kernel version such as 4.14, not '${value}'`,
    );
  config.kernelMinimum = value;
}

function readIgnorePaths(node: LocatedNode, file: string, config: GuardConfig): void {
  if (node.kind === 'null') return;
  if (node.kind !== 'sequence')
    fail(file, node.at, "'ignore-paths' must be a list of image path patterns");
  for (const item of node.items) {
    const glob = expectScalar(item, file, 'an ignore-paths entry');
    config.ignorePaths.push(
      imagePathGlob(glob, `${file}:${item.at.line}`, (m) => fail(file, item.at, m)),
    );
  }
}

const SUPPRESSION_KEYS = ['rule', 'path', 'reason', 'expires'];

function readSuppressions(node: LocatedNode, file: string, config: GuardConfig): void {
  if (node.kind === 'null') return;
  if (node.kind !== 'sequence')
    fail(file, node.at, "'suppressions' must be a list of {rule, path, reason, expires}");
  for (const item of node.items) {
    if (item.kind !== 'mapping')
      fail(
        file,
        item.at,
        'a suppression must be a mapping with rule, reason and optionally path, expires',
      );
    const fields = new Map<string, { value: string; at: Position }>();
    for (const entry of item.entries) {
      if (!SUPPRESSION_KEYS.includes(entry.key)) {
        fail(
          file,
          entry.keyAt,
          `unknown suppression field '${entry.key}' (expected ${SUPPRESSION_KEYS.join(', ')})`,
        );
      }
      fields.set(entry.key, {
        value: expectScalar(entry.value, file, `'${entry.key}'`),
        at: entry.value.at,
      });
    }
    const rule = fields.get('rule');
    if (!rule) fail(file, item.at, "a suppression needs 'rule'");
    if (!isRuleId(rule.value)) fail(file, rule.at, unknownRuleMessage(rule.value));
    const reason = fields.get('reason');
    if (!reason || reason.value.trim() === '')
      fail(file, reason?.at ?? item.at, "a suppression needs a 'reason'");
    const expires = fields.get('expires');
    if (expires && !isIsoDate(expires.value))
      fail(file, expires.at, `'expires' must be a date YYYY-MM-DD, not '${expires.value}'`);
    const source = `${file}:${item.at.line}`;
    const path = fields.get('path');
    config.suppressions.push({
      rule: rule.value,
      path: path ? imagePathGlob(path.value, source, (m) => fail(file, path.at, m)) : null,
      reason: reason.value.trim(),
      expires: expires?.value ?? null,
      source,
    });
  }
}

function readNodes(node: LocatedNode, file: string, config: GuardConfig): void {
  if (node.kind === 'null') return;
  if (node.kind !== 'mapping')
    fail(file, node.at, "'nodes' must be a mapping, e.g. 'x86-64-level: x86-64-v3'");
  for (const entry of node.entries) {
    if (entry.key === 'kernel-minimum') {
      readKernelMinimum(entry.value, file, config);
      continue;
    }
    if (entry.key !== 'x86-64-level')
      fail(
        file,
        entry.keyAt,
        `unknown key 'nodes.${entry.key}' (expected kernel-minimum, x86-64-level)`,
      );
    const level = expectScalar(entry.value, file, "'nodes.x86-64-level'");
    if (parseX86Level(level) === null)
      fail(
        file,
        entry.value.at,
        `'nodes.x86-64-level' must be one of ${X86_LEVEL_NAMES.join(', ')}, not '${level}'`,
      );
    config.x86Level = level;
  }
}

/** Reads config text; `file` is how the file is named in messages and suppression sources. */
export function parseConfig(text: string, file: string): GuardConfig {
  const config: GuardConfig = {
    file,
    rules: new Map(),
    ignorePaths: [],
    suppressions: [],
    x86Level: null,
  };
  const root = parseLocatedYaml(text, file);
  if (root.kind === 'null') return config;
  if (root.kind !== 'mapping')
    fail(
      file,
      root.at,
      'the config must be a mapping with rules, ignore-paths, suppressions, nodes',
    );
  for (const entry of root.entries) {
    if (entry.key === 'rules') readRules(entry.value, file, config);
    else if (entry.key === 'ignore-paths') readIgnorePaths(entry.value, file, config);
    else if (entry.key === 'suppressions') readSuppressions(entry.value, file, config);
    else if (entry.key === 'nodes') readNodes(entry.value, file, config);
    else
      fail(
        file,
        entry.keyAt,
        `unknown key '${entry.key}' (expected rules, ignore-paths, suppressions, nodes)`,
      );
  }
  return config;
}

/**
 * Reads the config file at `path`. A missing file is fine when it is the default name nobody
 * asked for (`required` false), and an error when the user named it.
 */
export async function loadConfig(
  path: string,
  options: { required: boolean; displayPath?: string; within?: readonly string[] | null },
): Promise<GuardConfig> {
  const display = options.displayPath ?? path;
  if (!options.required) {
    try {
      lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CONFIG;
    }
  }
  const text = readInputText(path, {
    what: 'the config file',
    shownAs: display,
    maxBytes: MAX_CONFIG_BYTES,
    within: options.within ?? null,
    withinName: 'the workspace',
  });
  return parseConfig(text, display);
}
