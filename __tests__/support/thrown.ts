/** The message of the error `run` throws, which must be a `kind` (an InputError by default). */
import { expect } from '@jest/globals';
import { InputError } from '../../src/errors.js';

export function thrownMessage(
  run: () => unknown,
  kind: abstract new (...args: never[]) => Error = InputError,
): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error(`expected a ${kind.name}`);
}
