import { InputError } from '../errors.js';

/**
 * A malformed or truncated ELF file. `offset` is the file offset of the structure that is wrong,
 * so the message reads like Go's debug/elf: `bad program header at offset 0x40: ...`.
 */
export class ElfFormatError extends InputError {
  override name = 'ElfFormatError';
  constructor(
    readonly offset: number,
    readonly what: string,
    readonly detail: string,
    readonly path?: string,
  ) {
    super(`${path ? `${path}: ` : ''}bad ${what} at offset 0x${offset.toString(16)}: ${detail}`);
  }

  /** The same error, naming the file it came from. */
  withPath(path: string): ElfFormatError {
    return new ElfFormatError(this.offset, this.what, this.detail, path);
  }
}
