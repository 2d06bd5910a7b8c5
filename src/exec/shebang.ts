/**
 * The `#!` line as Linux reads it (fs/binfmt_script.c, load_script, since Linux 5.1): only the
 * first BINPRM_BUF_SIZE (256) bytes of the file, up to the first `\n`. Blanks are spaces and
 * tabs only, so a `\r` of a script saved with Windows line endings stays in the interpreter name
 * (or the argument). The interpreter name ends at a blank or NUL; everything after the blanks
 * that follow it, up to the end of the line and trailing blanks trimmed, is one optional
 * argument, never split. A line with no `\n` in the buffer is accepted only when the
 * interpreter name visibly ends inside it (a blank or NUL follows); a truncated name is refused
 * with ENOEXEC, where kernels before 5.1 (128-byte buffer) silently truncated it.
 */

/** The kernel's buffer for the first bytes of a file being executed (include/linux/binfmts.h). */
export const BINPRM_BUF_SIZE = 256;

export type ShebangParse =
  | { ok: true; interpreter: string; argument: string | null; truncatedArgument: boolean }
  | { ok: false; reason: string };

function isBlank(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09;
}

/** The bytes as text with control characters shown as C escapes (`bash\r`). */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this shows
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    const named: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t', '\0': '\\0' };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Parses the start of a file that begins with `#!` (`head`: its first bytes; only the first
 * BINPRM_BUF_SIZE count). `ok: false` means execve fails with ENOEXEC (`exec format error`).
 */
export function parseShebang(head: Uint8Array): ShebangParse {
  // Like bprm->buf: the file's first bytes, NUL-padded when the file is shorter.
  const buf = new Uint8Array(BINPRM_BUF_SIZE);
  buf.set(head.subarray(0, BINPRM_BUF_SIZE));
  if (buf[0] !== 0x23 || buf[1] !== 0x21)
    return { ok: false, reason: 'the file does not start with #!' };
  const last = BINPRM_BUF_SIZE - 1;
  let end = buf.indexOf(0x0a);
  let truncatedArgument = false;
  if (end === -1) {
    let first = 2;
    while (first <= last && isBlank(buf[first])) first++;
    if (first > last)
      return { ok: false, reason: `the first ${BINPRM_BUF_SIZE} bytes are #! and blanks only` };
    let terminator = first;
    while (terminator <= last && !isBlank(buf[terminator]) && buf[terminator] !== 0) terminator++;
    if (terminator > last)
      return {
        ok: false,
        reason: `the interpreter name does not end within the first ${BINPRM_BUF_SIZE} bytes (the kernel will not run a truncated path)`,
      };
    end = last;
    truncatedArgument = true;
  }
  while (end > 2 && isBlank(buf[end - 1])) end--;
  let name = 2;
  while (name < end && isBlank(buf[name])) name++;
  if (name >= end) return { ok: false, reason: 'no interpreter name after #!' };
  let separator = name;
  while (separator < end && !isBlank(buf[separator]) && buf[separator] !== 0) separator++;
  const interpreter = decode(buf.subarray(name, separator));
  let argument: string | null = null;
  if (separator < end && buf[separator] !== 0) {
    let arg = separator;
    while (arg < end && isBlank(buf[arg])) arg++;
    if (arg < end) {
      // The kernel copies it as a C string: it ends at the first NUL.
      const nul = buf.subarray(arg, end).indexOf(0);
      argument = decode(buf.subarray(arg, nul === -1 ? end : arg + nul));
    }
  }
  return {
    ok: true,
    interpreter,
    argument,
    truncatedArgument: truncatedArgument && argument !== null,
  };
}
