/**
 * Every input of action.yml, read and checked in one place, with messages naming the input.
 * Paths are resolved against the workspace, as the runner's working directory is. `context` only
 * places the default Dockerfile, as `docker build CONTEXT` does: the scan reads the image and
 * the Dockerfile, never the build context's files.
 */
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { DEFAULT_CONFIG_FILE } from '../config/index.js';
import { parseX86Level, X86_LEVEL_NAMES } from '../exec/cpu-level.js';
import { InputError } from '../errors.js';
import { isRuleId, unknownRuleMessage } from '../rules/catalog.js';
import { LEVELS, type Level } from '../findings.js';
import { checkInputPath } from '../input-files.js';
import { manifestImageProblem } from '../kubernetes/images.js';
import { FAIL_ON_VALUES, type FailOn } from '../report/gate.js';
import { checkPlatform, parseImagesInput, type ImageInput } from '../images-list.js';

export type { ImageInput } from '../images-list.js';

/** When the pull request comment is written: see `comment` in action.yml. */
export const COMMENT_MODES = ['always', 'on-findings', 'on-failure', 'never'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

export interface ActionInputs {
  image: string | null;
  /** `image-remote`: a registry reference, with its credentials and the loopback HTTP switch. */
  imageRemote: string | null;
  registryCredentials: { username: string; password: string } | null;
  insecureRegistry: boolean;
  /** Absolute path of the archive or folder. */
  imageArchive: string | null;
  /** Absolute path of the Dockerfile, or null when the default `Dockerfile` does not exist. */
  dockerfile: string | null;
  target: string | null;
  buildArgs: Record<string, string>;
  platform: string | null;
  /** Absolute path; `configRequired` is false for the default name, which may be absent. */
  config: string;
  configRequired: boolean;
  failOn: FailOn;
  /** Absolute path of the SARIF file to write; the JSON report goes beside it. */
  sarifFile: string;
  category: string | null;
  /** When to write the pull request comment (`true` reads as on-findings, `false` as never). */
  comment: CommentMode;
  /** The lowest level the comment lists; lower ones are counted in one line. */
  commentLevel: Level;
  /** Write the job summary. */
  summary: boolean;
  /** Rules switched off, as `rules: {ID: off}` in the config does. */
  ignoreRules: string[];
  /** Findings below this level are dropped from every report (and so cannot gate). */
  minLevel: Level;
  /** The oldest kernel the image must start on (EG107), e.g. `4.14`; overrides the config. */
  kernelMinimum: string | null;
  /** Absolute path of a JSON report or SARIF file from the base branch. */
  baseline: string | null;
  /** With a baseline: only findings not in it gate. */
  failOnNewOnly: boolean;
  /** Absolute path of a JSON report to post as the comment instead of scanning (fork workflows). */
  fromReport: string | null;
  /** The pull request to comment on in `from-report` mode; null takes the report's own. */
  pullRequest: number | null;
  /** The `images` input; empty when `image`/`image-archive` name the one image. */
  images: ImageInput[];
  annotations: boolean;
  uploadSarif: boolean;
  githubToken: string;
  dockerHost: string | null;
  /** Input `x86-64-level` (EG111), or null: then the config's `nodes.x86-64-level`. */
  x86Level: string | null;
  /** Absolute paths of the Kubernetes manifests (files or folders); empty when none. */
  manifests: string[];
  /** Names the manifests give the image (`NAME` or `NAME=IMAGE`). */
  manifestImages: string[];
  /** `confirm`: null (false), `findings` (true) or `all`. */
  confirm: 'findings' | 'all' | null;
}

export type InputReader = (name: string) => string;

const defaultReader: InputReader = (name) => core.getInput(name);

function booleanInput(read: InputReader, name: string, fallback: boolean): boolean {
  const value = read(name).trim();
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`input '${name}' must be true or false, not '${value}'`);
}

function parseBuildArgs(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new InputError(
        `input 'build-args' line ${index + 1}: expected KEY=VALUE, not '${line}'`,
      );
    args[line.slice(0, eq)] = line.slice(eq + 1);
  });
  return args;
}

function levelInput(read: InputReader, name: string, fallback: Level): Level {
  const value = read(name).trim() || fallback;
  if (!(LEVELS as readonly string[]).includes(value))
    throw new InputError(`input '${name}' must be one of ${LEVELS.join(', ')}, not '${value}'`);
  return value as Level;
}

function commentInput(read: InputReader): CommentMode {
  const value = read('comment').trim();
  // `true`/`false` are the values of the first release: kept, with their meaning.
  if (value === '' || /^true$/i.test(value)) return 'on-findings';
  if (/^false$/i.test(value)) return 'never';
  if (!(COMMENT_MODES as readonly string[]).includes(value))
    throw new InputError(
      `input 'comment' must be one of ${COMMENT_MODES.join(', ')} (or true/false), not '${value}'`,
    );
  return value as CommentMode;
}

const RULE_ID = /^EG\d{3}$/;

function ruleList(read: InputReader, name: string): string[] {
  const ids = read(name)
    .split(/[\s,]+/)
    .filter((id) => id !== '');
  for (const id of ids) {
    if (!RULE_ID.test(id))
      throw new InputError(`input '${name}': '${id}' is not a rule id (EG followed by 3 digits)`);
    if (!isRuleId(id)) throw new InputError(`input '${name}': ${unknownRuleMessage(id)}`);
  }
  return ids;
}

/** `4.14`, `5.10.0`: what uname -r starts with. */
const KERNEL_VERSION = /^\d+\.\d+(\.\d+)?$/;

/** A multiline input: one value per line, blank lines and `#` comments skipped. */
function lineList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function confirmInput(read: InputReader): 'findings' | 'all' | null {
  if (read('confirm').trim() === 'all') return 'all';
  try {
    return booleanInput(read, 'confirm', false) ? 'findings' : null;
  } catch {
    throw new InputError(
      `input 'confirm' must be true, false or all, not '${read('confirm').trim()}'`,
    );
  }
}

/** Whether anything is at `file` (a dangling symbolic link counts: it is checked, not skipped). */
function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

export function readInputs(workspace: string, read: InputReader = defaultReader): ActionInputs {
  const resolve = (p: string) => path.resolve(workspace, p);
  const image = read('image').trim() || null;
  const archive = read('image-archive').trim() || null;
  const remote = read('image-remote').trim() || null;
  const fromReportInput = read('from-report').trim() || null;
  const images = parseImagesInput(read('images'), resolve);
  const given = [image, archive, remote, fromReportInput].filter((v) => v !== null).length;
  if (given + (images.length > 0 ? 1 : 0) !== 1) {
    throw new InputError(
      "give exactly one of the inputs 'image' (a reference in the local engine), 'image-archive' (a path), 'image-remote' (a reference in a registry), 'images' (one per line) and 'from-report' (a saved JSON report)",
    );
  }
  const username = read('registry-username').trim();
  const password = read('registry-password').trim();
  if ((username === '') !== (password === '')) {
    throw new InputError(
      "give both inputs 'registry-username' and 'registry-password', or neither",
    );
  }
  if (remote === null && username !== '') {
    throw new InputError(
      "inputs 'registry-username' and 'registry-password' go with 'image-remote'",
    );
  }
  if (archive !== null) {
    if (!exists(resolve(archive))) {
      throw new InputError(
        `input 'image-archive': ${archive} does not exist (relative paths start at the workspace)`,
      );
    }
    // An archive saved by an earlier step may be anywhere the workflow names it (runner.temp,
    // /tmp); a symbolic link committed in the repository may not lead out of the checkout.
    checkInputPath(resolve(archive), {
      what: "input 'image-archive'",
      shownAs: archive,
      kind: 'file-or-folder',
      within: [workspace, ...(process.env.RUNNER_TEMP ? [process.env.RUNNER_TEMP] : [])],
      withinName: "the workspace and the runner's temp folder",
      outsideAsWritten: true,
    });
  }
  if (fromReportInput !== null && !existsSync(resolve(fromReportInput))) {
    throw new InputError(
      `input 'from-report': ${fromReportInput} does not exist (relative paths start at the workspace)`,
    );
  }
  const baselineInput = read('baseline').trim() || null;
  if (baselineInput !== null && !existsSync(resolve(baselineInput))) {
    throw new InputError(
      `input 'baseline': ${baselineInput} does not exist (relative paths start at the workspace)`,
    );
  }
  const kernelMinimum = read('kernel-minimum').trim() || null;
  if (kernelMinimum !== null && !KERNEL_VERSION.test(kernelMinimum))
    throw new InputError(
      `input 'kernel-minimum' must be a kernel version such as 4.14 or 5.10.0, not '${kernelMinimum}'`,
    );
  const pullRequestInput = read('pull-request').trim();
  if (pullRequestInput !== '' && !/^[1-9]\d*$/.test(pullRequestInput))
    throw new InputError(
      `input 'pull-request' must be a pull request number, not '${pullRequestInput}'`,
    );

  const context = read('context').trim() || '.';
  const named = read('dockerfile').trim();
  const dockerfileInput = named || path.join(context, 'Dockerfile');
  let dockerfile: string | null = resolve(dockerfileInput);
  if (!exists(dockerfile)) {
    if (named !== '') {
      throw new InputError(
        `input 'dockerfile': ${dockerfileInput} is not a file (relative paths start at the workspace)`,
      );
    }
    dockerfile = null;
  } else {
    // The repository's own file: it must resolve inside the checkout and be a regular file.
    checkInputPath(dockerfile, {
      what: "input 'dockerfile'",
      shownAs: dockerfileInput,
      kind: 'file',
      within: [workspace],
      withinName: 'the workspace',
    });
  }

  const platform = read('platform').trim() || null;
  if (platform !== null) checkPlatform("input 'platform'", platform, true);

  const failOn = (read('fail-on').trim() || 'error') as FailOn;
  if (!FAIL_ON_VALUES.includes(failOn)) {
    throw new InputError(
      `input 'fail-on' must be one of ${FAIL_ON_VALUES.join(', ')}, not '${failOn}'`,
    );
  }

  const x86Level = read('x86-64-level').trim() || null;
  if (x86Level !== null && parseX86Level(x86Level) === null) {
    throw new InputError(
      `input 'x86-64-level' must be one of ${X86_LEVEL_NAMES.join(', ')}, not '${x86Level}'`,
    );
  }
  const manifests = lineList(read('manifests')).map((given) => {
    const absolute = resolve(given);
    if (!existsSync(absolute))
      throw new InputError(
        `input 'manifests': ${given} does not exist (relative paths start at the workspace)`,
      );
    // The repository's own files: inside the checkout, symbolic links resolved first.
    checkInputPath(absolute, {
      what: "input 'manifests'",
      shownAs: given,
      kind: 'file-or-folder',
      within: [workspace],
      withinName: 'the workspace',
    });
    return absolute;
  });
  const manifestImages = lineList(read('manifest-images'));
  for (const entry of manifestImages) {
    const problem = manifestImageProblem(entry);
    if (problem) throw new InputError(`input 'manifest-images': ${problem}`);
  }
  if (manifestImages.length > 0 && manifests.length === 0)
    throw new InputError("input 'manifest-images' needs the input 'manifests'");

  const configInput = read('config').trim() || DEFAULT_CONFIG_FILE;
  return {
    image,
    imageRemote: remote,
    registryCredentials: username !== '' ? { username, password } : null,
    insecureRegistry: booleanInput(read, 'insecure-registry', false),
    imageArchive: archive === null ? null : resolve(archive),
    dockerfile,
    target: read('target').trim() || null,
    buildArgs: parseBuildArgs(read('build-args')),
    platform,
    config: resolve(configInput),
    configRequired: configInput !== DEFAULT_CONFIG_FILE,
    failOn,
    sarifFile: resolve(sarifFileName(read('sarif-file').trim())),
    category: read('category').trim() || null,
    comment: commentInput(read),
    commentLevel: levelInput(read, 'comment-level', 'warning'),
    summary: booleanInput(read, 'summary', true),
    ignoreRules: ruleList(read, 'ignore-rules'),
    minLevel: levelInput(read, 'min-level', 'note'),
    kernelMinimum,
    baseline: baselineInput === null ? null : resolve(baselineInput),
    failOnNewOnly: booleanInput(read, 'fail-on-new-only', true),
    fromReport: fromReportInput === null ? null : resolve(fromReportInput),
    pullRequest: pullRequestInput === '' ? null : Number(pullRequestInput),
    images,
    annotations: booleanInput(read, 'annotations', true),
    uploadSarif: booleanInput(read, 'upload-sarif', false),
    githubToken: read('github-token').trim(),
    dockerHost: read('docker-host').trim() || null,
    x86Level,
    manifests,
    manifestImages,
    confirm: confirmInput(read),
  };
}

/** The SARIF file's name as given (default `exit139-guard.sarif`); a folder name is refused. */
function sarifFileName(given: string): string {
  if (given === '') return 'exit139-guard.sarif';
  if (given.endsWith('/'))
    throw new InputError(
      `input 'sarif-file': ${given} names a folder; give a file name, e.g. ${given}exit139-guard.sarif`,
    );
  return given;
}
