/**
 * What a file that the kernel will not execute is, from its first bytes: a message fragment
 * for `exec format error` findings. The kernel itself only knows ELF and `#!` (and the binfmt_misc
 * handlers a node registers, which containers do not bring); these are the usual look-alikes:
 * programs built for another OS, scripts whose `#!` is not at byte 0, archives.
 */

/** A short description of a non-ELF, non-`#!` file's content (`head`: its first bytes). */
export function describeMagic(head: Uint8Array): string {
  const b = head;
  const u32be = b.length >= 4 ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : -1;
  if (b.length >= 2 && b[0] === 0x4d && b[1] === 0x5a) return 'a Windows PE program (MZ header)';
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(u32be))
    return 'a macOS Mach-O program';
  if (u32be === 0xcafebabe) return 'a Mach-O universal (macOS) program or a Java class file';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'a gzip archive';
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4)
    return 'a zip archive (or jar)';
  let at = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    if (b[3] === 0x23 && b[4] === 0x21) return 'a script whose #! follows a UTF-8 byte order mark';
    at = 3;
  }
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', at);
  // A character cut at the end of `head` decodes as U+FFFD: only earlier ones mean binary.
  const binary = [...text].some((c) => {
    const code = c.charCodeAt(0);
    return code < 0x09 || (code > 0x0d && code < 0x20) || code === 0x7f;
  });
  if (!binary && !text.slice(0, -3).includes('\ufffd')) {
    const hashBang = text.indexOf('#!');
    if (hashBang > 0 && /^\s*$/.test(text.slice(0, hashBang)))
      return 'a script whose #! is not at the start of the file (blank lines or spaces before it)';
    return 'a text file without a #! line';
  }
  return 'data the kernel does not recognise as a program';
}
