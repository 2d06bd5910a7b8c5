/**
 * Every input of action.yml, read and checked in one place, with messages naming the input.
 * Paths are resolved against the workspace, as the runner's working directory is. `context` only
 * places the default Dockerfile, as `docker build CONTEXT` does: the scan reads the image and
 * the Dockerfile, never the build context's files.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { DEFAULT_CONFIG_FILE } from '../config/index.js';
import { parseX86Level, X86_LEVEL_NAMES } from '../exec/cpu-level.js';
import { InputError } from '../errors.js';
import { FAIL_ON_VALUES, type FailOn } from '../report/gate.js';

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
  comment: boolean;
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

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

export function readInputs(workspace: string, read: InputReader = defaultReader): ActionInputs {
  const resolve = (p: string) => path.resolve(workspace, p);
  const image = read('image').trim() || null;
  const archive = read('image-archive').trim() || null;
  const remote = read('image-remote').trim() || null;
  if ([image, archive, remote].filter((v) => v !== null).length !== 1) {
    throw new InputError(
      "give exactly one of the inputs 'image' (a reference in the local engine), 'image-archive' (a path) and 'image-remote' (a reference in a registry)",
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
  if (archive !== null && !existsSync(resolve(archive))) {
    throw new InputError(
      `input 'image-archive': ${archive} does not exist (relative paths start at the workspace)`,
    );
  }

  const context = read('context').trim() || '.';
  const named = read('dockerfile').trim();
  const dockerfileInput = named || path.join(context, 'Dockerfile');
  let dockerfile: string | null = resolve(dockerfileInput);
  if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
    if (named !== '') {
      throw new InputError(
        `input 'dockerfile': ${dockerfileInput} is not a file (relative paths start at the workspace)`,
      );
    }
    dockerfile = null;
  }

  const platform = read('platform').trim() || null;
  if (platform !== null && !PLATFORM.test(platform)) {
    throw new InputError(
      `input 'platform' must be os/arch[/variant], e.g. linux/arm64, not '${platform}'`,
    );
  }

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
    return absolute;
  });
  const manifestImages = lineList(read('manifest-images'));
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
    sarifFile: resolve(read('sarif-file').trim() || 'exit139-guard.sarif'),
    category: read('category').trim() || null,
    comment: booleanInput(read, 'comment', true),
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
