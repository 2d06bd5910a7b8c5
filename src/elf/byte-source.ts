/**
 * Random access to the bytes of a file, so the ELF reader fetches only the ranges it needs:
 * headers, the dynamic table, the string and symbol tables, the notes. A 100 MB binary then
 * costs a few hundred kilobytes of reads, not 100 MB.
 */
import { fstatSync, readSync } from 'node:fs';

export interface ByteSource {
  /** Size of the whole file in bytes. */
  size: number;
  /** The bytes in [offset, offset+length); callers check bounds against `size` first. */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory (no copy: the result is a view). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** A source over an open file descriptor, read with positioned reads (the fd stays open). */
export function fileDescriptorSource(fd: number): ByteSource {
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buffer, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return done === length ? buffer : buffer.subarray(0, done);
    },
  };
}
