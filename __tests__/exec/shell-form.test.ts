/**
 * The shell form of ENTRYPOINT/CMD: which command word the shell runs first, and the words each
 * shell prints when it cannot find it (each seen in the engine: `docker run IMAGE /bin/sh -c …`
 * on the factory's bookworm (dash, bash) and alpine-like (BusyBox) bases).
 */
import { describe, expect, it } from '@jest/globals';
import {
  shellCommandWord,
  shellFormScript,
  shellNotFoundMessage,
} from '../../src/exec/shell-form.js';

describe('shellFormScript', () => {
  it('takes the script of sh -c, bash -c and friends only', () => {
    expect(shellFormScript(['/bin/sh', '-c', '/app --flag'])).toBe('/app --flag');
    expect(shellFormScript(['bash', '-c', 'app'])).toBe('app');
    expect(shellFormScript(['/bin/sh', '/run.sh'])).toBeNull();
    expect(shellFormScript(['/app', '-c', 'x'])).toBeNull();
  });
});

describe('shellCommandWord', () => {
  it.each([
    ['/usr/local/bin/app --flag', { word: '/usr/local/bin/app', viaExec: false }],
    ['  exec app -v', { word: 'app', viaExec: true }],
    ['A=1 B=/x /app', { word: '/app', viaExec: false }],
  ])('%j runs %j first', (script, command) => {
    expect(shellCommandWord(script)).toEqual(command);
  });

  it.each([
    '$APP --flag',
    '"/app"',
    'cd /srv && ./app',
    'app&&other',
    'echo hi',
    'if true; then /app; fi',
    'exec "$@"',
    '',
  ])('%j is left undecided', (script) => {
    expect(shellCommandWord(script)).toBeNull();
  });
});

describe("the shells' own words for a command they cannot find", () => {
  it.each([
    ['/usr/bin/dash', '/nothere', false, '/bin/sh: 1: /nothere: not found'],
    ['/usr/bin/dash', 'nothere', false, '/bin/sh: 1: nothere: not found'],
    ['/usr/bin/dash', '/nothere', true, '/bin/sh: 1: exec: /nothere: not found'],
    ['/bin/busybox', 'nothere', false, '/bin/sh: nothere: not found'],
    ['/bin/busybox', '/nothere', false, '/bin/sh: /nothere: not found'],
    ['/bin/busybox', 'notthere', true, '/bin/sh: exec: line 0: notthere: not found'],
    ['/usr/bin/bash', '/nothere', false, '/bin/sh: line 1: /nothere: No such file or directory'],
    ['/usr/bin/bash', '/nothere', true, '/bin/sh: line 1: /nothere: No such file or directory'],
    ['/usr/bin/bash', 'nothere', false, '/bin/sh: line 1: nothere: command not found'],
    ['/usr/bin/bash', 'nothere', true, '/bin/sh: line 1: exec: nothere: not found'],
  ])('%s, %s (exec: %s)', (realShell, word, viaExec, message) => {
    expect(shellNotFoundMessage('/bin/sh', realShell, { word, viaExec })).toBe(message);
  });
});
