/**
 * `exit139-guard stages [--dockerfile PATH] [--target STAGE] [--build-arg K=V]...
 * [--platform OS/ARCH] [--json]`: the Dockerfile model — stages, and for each file the final
 * image gets from the Dockerfile, the GOOS/GOARCH/CGO_ENABLED it was built with and where that
 * comes from. The JSON shape is a contract (DESIGN.md): fields may be added, never renamed.
 */
import { parseArgs } from './args.js';
import type { Command, CommandIO } from './command.js';
import { readDockerfile } from '../dockerfile/model.js';
import { MAX_DOCKERFILE_BYTES, readInputText } from '../input-files.js';
import type { Artifact, DeclaredValue, DockerfileModel } from '../dockerfile/types.js';

const USAGE = `Usage: exit139-guard stages [--dockerfile PATH] [--target STAGE] [--build-arg K=V]...
                            [--platform OS/ARCH[/VARIANT]] [--json]

Reads a Dockerfile as BuildKit would and prints its stages and, for every file the Dockerfile
puts in the final image, the GOOS/GOARCH/CGO_ENABLED it is built with (Go's defaults made
explicit and marked implicit), the go build flags, and the lines to blame.

Options:
  --dockerfile PATH   the Dockerfile (default: Dockerfile)
  --target STAGE      the stage to build (default: the last one)
  --build-arg K=V     a build argument, as docker build --build-arg (repeatable)
  --platform OS/ARCH  the target platform (default: the builder's, linux/amd64)
  --json              print the model as JSON (the README's "The JSON report")
Exit status: 0 the model was printed, 2 bad usage or a Dockerfile that cannot be read.`;

export interface StagesOptions {
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  platform?: string;
  json: boolean;
}

export function parseStagesArgs(args: string[]): StagesOptions {
  const { strings, flags, buildArgs } = parseArgs(args, [
    { names: ['--json'], key: 'json', kind: 'flag' },
    { names: ['--dockerfile', '-f'], key: 'dockerfile', kind: 'string' },
    { names: ['--target'], key: 'target', kind: 'string' },
    { names: ['--platform'], key: 'platform', kind: 'string' },
    { names: ['--build-arg'], key: 'buildArgs', kind: 'build-args' },
  ]);
  const { dockerfile = 'Dockerfile', ...rest } = strings;
  return { ...rest, dockerfile, buildArgs, json: flags.json === true };
}

function artifactJson(artifact: Artifact): Record<string, unknown> {
  const { GOOS, GOARCH, CGO_ENABLED } = artifact.declared;
  const detail = (v: DeclaredValue) => ({ implicit: v.implicit, origin: v.origin });
  return {
    path: artifact.path,
    stage: artifact.stage,
    source: artifact.source,
    declared: { GOOS: GOOS.value, GOARCH: GOARCH.value, CGO_ENABLED: CGO_ENABLED.value },
    flags: artifact.flags,
    dockerfile: artifact.blame.placed,
    declaredBy: { GOOS: detail(GOOS), GOARCH: detail(GOARCH), CGO_ENABLED: detail(CGO_ENABLED) },
    blame: artifact.blame,
    chain: artifact.chain,
    chmod: artifact.chmod,
    chown: artifact.chown,
    notes: artifact.notes,
    // Go's defaults where a script or Makefile decides (declared null): an assumption only.
    assumed: { GOOS: GOOS.assumed, GOARCH: GOARCH.assumed, CGO_ENABLED: CGO_ENABLED.assumed },
  };
}

/** The `--json` document: the contract's fields first, then extensions. */
export function stagesJson(model: DockerfileModel): Record<string, unknown> {
  return {
    target: model.target,
    platform: model.platform,
    stages: model.stages.map((s) => ({
      index: s.index,
      name: s.name,
      from: s.from,
      platform: s.platform,
      startLine: s.startLine,
      endLine: s.endLine,
      fromStage: s.fromStage,
      platformPinned: s.platformPinned,
    })),
    artifacts: model.artifacts.map(artifactJson),
    path: model.path,
    buildPlatform: model.buildPlatform,
    finalBase: model.finalBase,
    finalBaseKind: model.finalBaseKind,
    user: model.user,
    entrypoint: model.entrypoint,
    cmd: model.cmd,
    notes: model.notes,
    unresolved: model.unresolved,
  };
}

function lines(range: { startLine: number; endLine: number }): string {
  return range.startLine === range.endLine
    ? `line ${range.startLine}`
    : `lines ${range.startLine}-${range.endLine}`;
}

function valueText(v: DeclaredValue): string {
  const assumed = v.value === null && v.assumed !== null ? ` (Go's default: ${v.assumed})` : '';
  return `${v.value ?? 'unknown'}${v.implicit ? ' (implicit)' : ''}${assumed} — ${v.origin}`;
}

export function stagesText(model: DockerfileModel): string {
  const out: string[] = [];
  out.push(
    `${model.path}: target ${model.target}, platform ${model.platform} (builder ${model.buildPlatform})`,
  );
  out.push(`final base: ${model.finalBase} (${model.finalBaseKind})`, '', 'Stages:');
  for (const s of model.stages) {
    const marker = s.index === model.finalStage.index ? '*' : ' ';
    const name = s.name ?? '(unnamed)';
    const pinned = s.platformPinned ? ', pinned' : '';
    out.push(`${marker} ${s.index} ${name}  FROM ${s.from}  [${s.platform}${pinned}]  ${lines(s)}`);
  }
  out.push(
    '',
    model.artifacts.length === 0
      ? 'Files placed by the Dockerfile: none'
      : 'Files placed by the Dockerfile:',
  );
  for (const a of model.artifacts) {
    out.push(`  ${a.path}  (${a.source}, from ${a.stage}; placed at ${lines(a.blame.placed)})`);
    if (a.source === 'built') {
      out.push(`    GOOS         ${valueText(a.declared.GOOS)}`);
      out.push(`    GOARCH       ${valueText(a.declared.GOARCH)}`);
      out.push(`    CGO_ENABLED  ${valueText(a.declared.CGO_ENABLED)}`);
      const f = a.flags;
      const flagText = [
        f.ldflags !== null ? `-ldflags ${JSON.stringify(f.ldflags)}` : '',
        f.tags.length > 0 ? `-tags ${f.tags.join(',')}` : '',
        f.trimpath ? '-trimpath' : '',
        f.buildmode ? `-buildmode ${f.buildmode}` : '',
      ].filter(Boolean);
      if (flagText.length > 0) out.push(`    flags        ${flagText.join(' ')}`);
      if (a.blame.built) out.push(`    built at     ${lines(a.blame.built)}`);
    }
    out.push(
      `    via          ${a.chain.map((c) => `${c.stage} ${c.instruction} (${lines(c.range)})`).join(' -> ')}`,
    );
    for (const note of a.notes) out.push(`    note         ${note}`);
  }
  for (const [label, c] of [
    ['USER', model.user],
    ['ENTRYPOINT', model.entrypoint],
    ['CMD', model.cmd],
  ] as const) {
    if (c) out.push(`${label}: ${JSON.stringify(c.value)} (${lines(c.range)})`);
  }
  for (const note of model.notes) out.push(`note: ${note}`);
  return out.join('\n') + '\n';
}

export const stagesCommand: Command = {
  name: 'stages',
  summary: 'show the Dockerfile model: stages, and how each file of the final image is built',
  usage: USAGE,
  run(args: string[], io: CommandIO): Promise<number> {
    const options = parseStagesArgs(args);
    const text = readInputText(options.dockerfile, {
      what: 'the Dockerfile',
      maxBytes: MAX_DOCKERFILE_BYTES,
    });
    const model = readDockerfile(text, {
      path: options.dockerfile,
      target: options.target,
      buildArgs: options.buildArgs,
      platform: options.platform,
    });
    io.stdout(options.json ? JSON.stringify(stagesJson(model), null, 2) + '\n' : stagesText(model));
    return Promise.resolve(0);
  },
};
