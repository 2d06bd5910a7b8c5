import { describe, expect, it } from '@jest/globals';
import { envCommand, splitEnvString } from '../../src/exec/env.js';
import { BINPRM_BUF_SIZE, parseShebang, visible } from '../../src/exec/shebang.js';

const head = (text: string) => Buffer.from(text, 'latin1');

describe('the #! line as binfmt_script reads it', () => {
  it('keeps the \\r of a CRLF script in the interpreter name', () => {
    expect(parseShebang(head('#!/bin/sh\r\necho hi\r\n'))).toEqual({
      ok: true,
      interpreter: '/bin/sh\r',
      argument: null,
      truncatedArgument: false,
    });
  });

  it('keeps the \\r in the one argument when there is one (/usr/bin/env bash\\r)', () => {
    expect(parseShebang(head('#!/usr/bin/env bash\r\n'))).toMatchObject({
      interpreter: '/usr/bin/env',
      argument: 'bash\r',
    });
  });

  it('skips spaces and tabs around the name and passes the rest as one argument', () => {
    expect(parseShebang(head('#! \t/usr/bin/python3  -u -W error \t \nprint()\n'))).toMatchObject({
      interpreter: '/usr/bin/python3',
      argument: '-u -W error',
    });
  });

  it('ends the name at a NUL and drops the argument there', () => {
    expect(parseShebang(head('#!/bin/sh\0 -x\n'))).toMatchObject({
      interpreter: '/bin/sh',
      argument: null,
    });
  });

  it('refuses a #! with no interpreter name (ENOEXEC)', () => {
    expect(parseShebang(head('#!   \t\nexit 0\n'))).toEqual({
      ok: false,
      reason: 'no interpreter name after #!',
    });
  });

  it('takes the NUL padding of a file that is just "#!" as an empty name (then ENOENT)', () => {
    expect(parseShebang(head('#!'))).toMatchObject({ ok: true, interpreter: '', argument: null });
  });

  it('reads only the first 256 bytes: a long argument is cut, a long name is refused', () => {
    const longArg = `#!/bin/sh -c ${'x'.repeat(400)}\n`;
    const parsed = parseShebang(head(longArg));
    expect(parsed).toMatchObject({ ok: true, interpreter: '/bin/sh', truncatedArgument: true });
    expect(parsed.ok && parsed.argument?.length).toBe(BINPRM_BUF_SIZE - 1 - '#!/bin/sh '.length);
    const longName = `#!/${'d'.repeat(300)}/sh\n`;
    expect(parseShebang(head(longName))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not end within the first 256 bytes'),
    });
  });

  it('parses a 100 KB #! line from its first 256 bytes only, at once', () => {
    const started = Date.now();
    const parsed = parseShebang(head(`#!/bin/sh ${'a'.repeat(100 * 1024)}\n`));
    expect(parsed).toMatchObject({ ok: true, interpreter: '/bin/sh', truncatedArgument: true });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('shows control characters as C escapes for messages', () => {
    expect(visible('bash\r')).toBe('bash\\r');
  });
});

describe('#!/usr/bin/env NAME as env reads its one argument', () => {
  it('looks the whole argument up as one name, \\r and spaces included', () => {
    expect(envCommand('bash\r', true)).toEqual({
      ok: true,
      command: { command: 'bash\r', words: ['bash\r'] },
    });
    expect(envCommand('bash -e', true)).toMatchObject({
      ok: true,
      command: { command: 'bash -e' },
    });
  });

  it('splits a -S string (GNU env) and skips assignments', () => {
    expect(envCommand("-S PYTHONUNBUFFERED=1 python3 -u 'a b'", true)).toEqual({
      ok: true,
      command: { command: 'python3', words: ['PYTHONUNBUFFERED=1', 'python3', '-u', 'a b'] },
    });
    expect(splitEnvString('bash\\_-e "x y"\\c ignored')).toEqual(['bash -e', 'x y']);
    expect(splitEnvString("'unterminated")).toBeNull();
  });

  it('does not guess what BusyBox env does with -S, nor other options', () => {
    expect(envCommand('-S bash', false)).toMatchObject({ ok: false });
    expect(envCommand('-i bash', true)).toMatchObject({ ok: false });
  });
});
