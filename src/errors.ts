/**
 * Errors that a user can act on: bad usage, or bad input (a corrupt image, a malformed ELF,
 * a broken Dockerfile, a bad config file). Front ends print `message` alone, without a stack
 * trace, and exit with status 2; anything else that escapes is a bug and is shown in full.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** Bad command-line usage: the CLI prints the message and the usage text, then exits 2. */
export class UsageError extends InputError {
  override name = 'UsageError';
}
