/**
 * Each instruction-family module of the model on its own (as BuildKit's dispatchers are): the
 * shared state comes from createContext and a stage with an empty body, then one dispatcher is
 * applied to one instruction and the state it leaves is checked.
 */
import { describe, expect, it } from '@jest/globals';
import { imageHasCompiler, installsCompiler } from '../../src/dockerfile/base.js';
import { evaluateTest, guardsAllow, substituteKnown } from '../../src/dockerfile/conditions.js';
import { dispatchCommand, dispatchWorkdir } from '../../src/dockerfile/config.js';
import { dispatchCopy, lookupFiles } from '../../src/dockerfile/copy.js';
import { parseGoCommand } from '../../src/dockerfile/gobuild.js';
import { createContext } from '../../src/dockerfile/model.js';
import { dispatchRun } from '../../src/dockerfile/run.js';
import { dispatchArg, dispatchEnv, lookupIn } from '../../src/dockerfile/scope.js';
import { splitCommands } from '../../src/dockerfile/shell.js';
import { splitStages, stage, stageList } from '../../src/dockerfile/stages.js';
import type { ReadContext, StageState } from '../../src/dockerfile/state.js';
import { parseDockerfile, type Instruction } from '../../src/dockerfile/syntax.js';

/** The context and the state of stage `index` of `text`, body not yet applied. */
function empty(text: string, index = 0): { ctx: ReadContext; state: StageState } {
  const ctx = createContext(text, { path: 'Dockerfile' });
  const def = ctx.defs[index]!;
  const body = def.body;
  def.body = [];
  const state = stage(ctx, def);
  def.body = body;
  return { ctx, state };
}

/** The instruction at `line` of `text`. */
function at(text: string, line: number): Instruction {
  return parseDockerfile(text, 'Dockerfile').instructions.find((i) => i.range.startLine === line)!;
}

describe('stages.ts (FROM)', () => {
  it('splits at FROM and sends what comes before the first FROM to the global scope', () => {
    const parsed = parseDockerfile('ARG A=1\nFROM x AS One\nRUN a\nFROM one\n', 'Dockerfile');
    const global: string[] = [];
    const defs = splitStages(parsed.instructions, (i) => global.push(i.keyword));
    expect(global).toEqual(['ARG']);
    expect(defs.map((d) => [d.index, d.name, d.body.length, d.endLine])).toEqual([
      [0, 'one', 1, 3],
      [1, null, 0, 4],
    ]);
  });

  it('lists stages with FROM <stage> parents and records unset FROM variables once', () => {
    const ctx = createContext('ARG V\nFROM golang:${V}-alpine AS b\nFROM b\n', {
      path: 'Dockerfile',
    });
    expect(stageList(ctx).map((s) => [s.from, s.fromStage])).toEqual([
      ['golang:-alpine', null],
      ['b', 0],
    ]);
    stageList(ctx);
    expect(ctx.unresolved.map((u) => [u.range.startLine, u.names])).toEqual([[2, ['V']]]);
  });
});

describe('scope.ts (ARG, ENV)', () => {
  const text = 'ARG G=global\nFROM scratch\nARG G\nENV G=env X=$G\nARG Y=${X}-y\n';
  it('a bare ARG takes the global value; ENV wins over ARG; ARG defaults see ENV', () => {
    const { ctx, state } = empty(text);
    dispatchArg(ctx, state, at(text, 3));
    expect(lookupIn(state)('G')).toBe('global');
    dispatchEnv(ctx, state, at(text, 4));
    expect(lookupIn(state)('G')).toBe('env');
    expect(state.env.get('X')).toEqual({ value: 'global', origin: 'ENV line 4' });
    dispatchArg(ctx, state, at(text, 5));
    expect(state.args.get('Y')).toEqual({ value: 'global-y', origin: 'ARG line 5' });
  });
});

describe('config.ts (WORKDIR, CMD, ENTRYPOINT)', () => {
  it('a WORKDIR through a variable the stage does not set is unsure', () => {
    const text = 'FROM debian\nWORKDIR $GOPATH/src\nWORKDIR /app\n';
    const { ctx, state } = empty(text);
    dispatchWorkdir(ctx, state, at(text, 2));
    expect([state.workdir, state.workdirSure]).toEqual(['/src', false]);
    dispatchWorkdir(ctx, state, at(text, 3));
    expect([state.workdir, state.workdirSure]).toEqual(['/app', true]);
  });

  it('shell-form CMD is wrapped in the stage shell; ENTRYPOINT resets an inherited CMD', () => {
    const text = 'FROM debian\nCMD run it\nENTRYPOINT ["/app"]\n';
    const { state } = empty(text);
    dispatchCommand(state, at(text, 2));
    expect(state.cmd?.value).toEqual(['/bin/sh', '-c', 'run it']);
    state.cmdSetHere = false;
    dispatchCommand(state, at(text, 3));
    expect([state.entrypoint?.value, state.cmd]).toEqual([['/app'], null]);
  });
});

describe('copy.ts (COPY, ADD)', () => {
  it('a folder a build wrote lands in the destination as files the Dockerfile does not name', () => {
    const text =
      'FROM golang:1.22 AS b\nRUN make DESTDIR=/out install\nFROM debian\nCOPY --from=b /out/ /usr/\n';
    const ctx = createContext(text, { path: 'Dockerfile' });
    const builder = stage(ctx, ctx.defs[0]!);
    expect(lookupFiles(builder, '/out/usr/bin/tool').map((m) => m.event.path)).toEqual(['/out']);
    const { state } = empty(text, 1);
    dispatchCopy(ctx, state, at(text, 4));
    expect(state.events.map((e) => [e.kind, e.path])).toEqual([['some', '/usr']]);
  });
});

describe('run.ts (RUN)', () => {
  it('reads a go build inside bash -c with the inline environment of bash', () => {
    const text = "FROM golang:1.22-alpine\nRUN CGO_ENABLED=1 bash -c 'go build -o /bin/app .'\n";
    const { ctx, state } = empty(text);
    dispatchRun(ctx, state, at(text, 2));
    expect(state.events.map((e) => [e.path, e.origin.declared.CGO_ENABLED.value])).toEqual([
      ['/bin/app', '1'],
    ]);
  });
});

describe('shell.ts and conditions.ts (control flow)', () => {
  it('gives each command the guards of its if/case arm and of && / ||', () => {
    const commands = splitCommands(
      'if [ "$A" = x ]; then go build; else make; fi; [ -n "$B" ] && echo b || echo c',
    );
    const guard = (g: (typeof commands)[0]['guards'][0]) =>
      g.kind === 'test' ? `test ${g.expect}` : `${g.kind} arm ${g.arm}`;
    expect(commands.map((c) => [c.words.join(' '), c.guards.map(guard)])).toEqual([
      ['[ "$A" = x ]', []],
      ['go build', ['if arm 0']],
      ['make', ['if arm 1']],
      ['[ -n "$B" ]', []],
      ['echo b', ['test true']],
      ['echo c', ['test false']],
    ]);
  });

  it('decides tests with known values and leaves file tests and unknown values open', () => {
    expect(evaluateTest(['[', 'linux', '=', 'linux', ']'])).toBe(true);
    expect(evaluateTest(['[', '!', '-z', '', ']'])).toBe(false);
    expect(evaluateTest(['[[', 'arm64', '==', 'arm*', ']]'])).toBe(true);
    expect(evaluateTest(['[', '-f', 'go.sum', ']'])).toBeNull();
    expect(evaluateTest(['[', '\u0000', '=', 'x', ']'])).toBeNull();
  });

  it('replaces command substitutions whose output the platform decides', () => {
    const known = {
      stage: { os: 'linux', arch: 'arm64', variant: '' },
      xxTarget: { os: 'linux', arch: 'riscv64', variant: '' },
      env: () => undefined,
    };
    expect(substituteKnown('"$(xx-info arch)-$(uname -m)-$(go env GOARCH)"', known)).toBe(
      '"riscv64-aarch64-arm64"',
    );
    expect(substituteKnown('$(cat /goarch)', known)).toBe('$(cat /goarch)');
  });

  it('takes the case arm the word selects; an earlier matching arm rules later ones out', () => {
    const [linux, any] = splitCommands('case "$OS" in linux) a ;; *) b ;; esac');
    const expand = (words: string[]) => words.map((w) => w.replace('"$OS"', 'linux'));
    expect(guardsAllow(linux!.guards, expand)).toBe(true);
    expect(guardsAllow(any!.guards, expand)).toBe(false);
  });
});

describe('gobuild.ts and base.ts', () => {
  it('go test -c is a build of NAME.test; go test without -c builds nothing to keep', () => {
    expect(parseGoCommand(['go', 'test', '-c', '-o', 'x.test', './pkg'])).toMatchObject({
      subcommand: 'test',
      output: 'x.test',
      packages: ['./pkg'],
    });
    expect(parseGoCommand(['go', 'test', '-count', '1', './...'])).toBeNull();
  });

  it('knows compilers by image name only where the name decides it', () => {
    expect(imageHasCompiler('python:3.12').present).toBe(true);
    expect(imageHasCompiler('python:3.12-slim').present).toBe(false);
    expect(imageHasCompiler('ghcr.io/org/builder:1').present).toBeNull();
    expect(installsCompiler(['apk', 'add', 'alpine-sdk'])).toBe('apk installs alpine-sdk');
  });
});
