import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { DockerfileModel, ReadOptions } from './types.js';

/** Builds the model of a Dockerfile's text. Pure: no I/O. Throws InputError on bad input. */
export function readDockerfile(text: string, options: ReadOptions): DockerfileModel {
  void text;
  throw new InputError(`${options.path}: the Dockerfile model is not implemented yet`);
}

/** Reads `path` and builds its model; a missing file is an InputError. */
export function loadDockerfile(
  path: string,
  options: Omit<ReadOptions, 'path'> = {},
): DockerfileModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `${path}: cannot read the Dockerfile (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return readDockerfile(text, { ...options, path });
}
