/**
 * Seeded generators of hostile inputs for the harness (harness.ts): mutated ELF files in an
 * image whose entrypoint starts one of them, damaged and hostile archives and folders,
 * Dockerfiles and configs. The same seed gives the same inputs on every machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeBombs } from './bombs.js';
import { ociFiles, tar, writeFolder, writeTar, zstdRle } from './images.js';

/** mulberry32: small, fast, and the same sequence everywhere. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** One input: what to run (arguments after the CLI) and how to name it in the report. */
export interface FuzzInput {
  kind: 'elf' | 'archive' | 'dockerfile' | 'config';
  name: string;
  args: string[];
}

/** Values that break parsers: extremes of each integer width, and zero. */
const EXTREMES = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff];

/**
 * An ELF file mutated the ways that find bugs in readers: header fields set to extremes
 * (counts, offsets, sizes, entry sizes), bytes flipped in the headers, the file truncated, or
 * a program header table made to overlap the end.
 */
export function mutateElf(seed: Buffer, random: Random): Buffer {
  const elf = Buffer.from(seed);
  const rounds = 1 + random.int(4);
  for (let r = 0; r < rounds; r++) {
    switch (random.int(5)) {
      case 0: {
        // A header field: e_type, e_machine, e_entry, e_phoff, e_shoff, e_phentsize, e_phnum...
        const field = random.pick([16, 18, 24, 32, 40, 52, 54, 56, 58, 60, 62]);
        const value = random.pick(EXTREMES);
        elf.writeUInt16LE(value & 0xffff, Math.min(field, elf.length - 2));
        break;
      }
      case 1: {
        // A program header field (the table follows the 64-byte header in these seeds).
        const at = 64 + 56 * random.int(8) + random.pick([0, 4, 8, 16, 24, 32, 40, 48]);
        if (at + 4 <= elf.length) elf.writeUInt32LE(random.pick(EXTREMES), at);
        break;
      }
      case 2:
        for (let i = 0; i < 8; i++) elf[random.int(Math.min(elf.length, 4096))] = random.int(256);
        break;
      case 3:
        return elf.subarray(0, 4 + random.int(Math.min(elf.length, 8192)));
      default:
        elf[random.int(elf.length)] ^= 1 << random.int(8);
    }
  }
  return elf;
}

const WORDS = [
  'FROM',
  'RUN',
  'COPY',
  'ADD',
  'ARG',
  'ENV',
  'USER',
  'ENTRYPOINT',
  'CMD',
  'WORKDIR',
  'LABEL',
  'SHELL',
  'HEALTHCHECK',
  'ONBUILD',
  'frOm',
  '#',
  '# exit139-guard ignore=EG101 reason="x" expires=2026-02-30',
  '# syntax=docker/dockerfile:1',
  '# escape=`',
];
const PIECES = [
  '${A:-${B:-x}}',
  '${A%*a*a*b}',
  '${A##*/}',
  '${A/[z-a]/x}',
  '${A//\\q/x}',
  '$A$A$A',
  '"unterminated',
  "'x'",
  '\\',
  '`',
  '<<EOF',
  'EOF',
  '--from=s0',
  '--platform=$BUILDPLATFORM',
  'AS s1',
  '["/app", 1]',
  '[',
  '\u0000',
  '\u202e',
  'é',
  '--mount=type=cache,target=/root/.cache',
  'go build -o /app .',
  'CGO_ENABLED=0',
  '&&',
  '||',
  ';',
  '$(uname -m)',
];

/** The shapes of issue 16, item 6, each at a random size around its limit. */
const HOSTILE_DOCKERFILES: ((random: Random) => string)[] = [
  (r) => {
    const depth = r.int(3000);
    return `FROM scratch\nARG A=${'${a:-'.repeat(depth)}x${'}'.repeat(depth)}\n`;
  },
  (r) => `FROM scratch\nARG A=x\n${'ARG A=${A}${A}\n'.repeat(r.int(30))}COPY $A /a\n`,
  (r) =>
    'FROM scratch AS s0\n' +
    Array.from({ length: r.int(3000) }, (_, i) => `FROM s${i} AS s${i + 1}\n`).join(''),
  (r) => `FROM scratch\nARG A=${'a'.repeat(r.int(30))}\nENV B=\${A%${'*a'.repeat(r.int(30))}*b}\n`,
  (r) =>
    `FROM scratch\nARG A=zebra\nENV B=\${A/${r.pick(['[z-a]', '[a-', '\\q', '(', '*?*'])}/x}\n`,
  (r) => `FROM scratch\nRUN echo ${'x '.repeat(r.int(40000))}\n`,
];

/** A Dockerfile from instructions, pieces that break lexers, and nested substitutions. */
export function dockerfileOf(random: Random): string {
  if (random.int(3) === 0) return random.pick(HOSTILE_DOCKERFILES)(random);
  const lines = ['FROM scratch AS s0'];
  const count = 1 + random.int(30);
  for (let i = 0; i < count; i++) {
    const parts = [random.pick(WORDS)];
    const n = random.int(6);
    for (let k = 0; k < n; k++) parts.push(random.pick(PIECES));
    if (random.int(10) === 0) parts.push('${A:-'.repeat(random.int(200)) + 'x');
    if (random.int(10) === 0) parts.push('x'.repeat(random.int(70000)));
    if (random.int(8) === 0) parts.push(random.bytes(random.int(40)).toString('latin1'));
    lines.push(parts.join(random.pick([' ', ' ', '\t', ' \\\n  '])));
  }
  return lines.join(random.pick(['\n', '\r\n'])) + '\n';
}

/** A config: the real keys with wrong shapes, several documents, anchors, long patterns. */
export function configOf(random: Random): string {
  const choices = [
    () => 'rules:\n  EG501: off\n---\nrules: {}\n',
    () => `ignore-paths:\n  - /${'a'.repeat(random.int(70000))}\n`,
    () =>
      `ignore-paths:\n${Array.from({ length: random.int(5000) }, (_, i) => `  - /opt/v${i}/**\n`).join('')}`,
    () =>
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    () => 'suppressions:\n  - rule: EG101\n    reason: x\n    expires: 2026-13-45\n',
    () => `rules: ${'['.repeat(random.int(3000))}\n`,
    () =>
      `ignore-paths:\n  - "${random.pick(['/a/{', '/a/[', '/**/**/**/**', '/(((', '/!(x', '/+(a|b)'])}"\n`,
    () => random.bytes(random.int(200)).toString('latin1'),
    () => 'rules:\n  EG101: [error]\n  EG102: {a: b}\n',
    () => `rules:\n${'  '.repeat(random.int(50))}EG101: off\n`,
  ];
  return random.pick(choices)();
}

/** The image every ELF mutant is scanned in: the mutants under /bin, the entrypoint one of them. */
export function elfImage(dir: string, mutants: Buffer[], random: Random): string {
  const entries = [
    { name: 'bin/', type: '5', mode: 0o755 },
    ...mutants.map((data, i) => ({ name: `bin/m${i}`, data, mode: 0o755 })),
  ];
  return writeFolder(
    dir,
    ociFiles({
      layers: [tar(entries)],
      layerMediaType: 'application/vnd.oci.image.layer.v1.tar',
      config: { config: { Entrypoint: [`/bin/m${random.int(mutants.length)}`] } },
    }),
  );
}

/**
 * Hostile archives and folders, each written under `dir`: a valid OCI archive with bytes
 * damaged, truncated, index graphs, links out, FIFOs where blobs belong, tar names climbing out,
 * and the decompression bombs at `bombScale`. Returns `[name, path]` pairs.
 */
export function hostileArchives(
  dir: string,
  random: Random,
  count: number,
  bombScale: number,
): [string, string][] {
  const out: [string, string][] = [];
  const healthy = ociFiles({
    layers: [
      tar([
        { name: 'etc/hostname', data: 'box\n' },
        { name: 'app', data: 'x', mode: 0o755 },
      ]),
    ],
    layerMediaType: 'application/vnd.oci.image.layer.v1.tar',
    config: { config: { Entrypoint: ['/app'] } },
  });
  const healthyTar = tar([...healthy].map(([name, data]) => ({ name, data })));
  for (const [name, file] of writeBombs(path.join(dir), bombScale))
    out.push([`bomb-${name}`, file]);
  const makers: ((at: string) => string)[] = [
    (at) => {
      const bytes = Buffer.from(healthyTar);
      for (let i = 0; i < 1 + random.int(16); i++)
        bytes[random.int(bytes.length)] = random.int(256);
      writeFileSync(`${at}.tar`, bytes);
      return `${at}.tar`;
    },
    (at) => {
      writeFileSync(`${at}.tar`, healthyTar.subarray(0, random.int(healthyTar.length)));
      return `${at}.tar`;
    },
    (at) => {
      const folder = writeFolder(at, healthy);
      symlinkSync(
        random.pick(['/etc/passwd', '/proc/self/environ', '../../..', '/dev/zero']),
        path.join(folder, 'index.json.tmp'),
      );
      execFileSync('mv', [
        '-f',
        path.join(folder, 'index.json.tmp'),
        path.join(folder, 'index.json'),
      ]);
      return folder;
    },
    (at) => {
      const folder = writeFolder(at, healthy);
      const blob = [...healthy.keys()].find((k) => k.startsWith('blobs/'))!;
      execFileSync('rm', ['-f', path.join(folder, blob)]);
      execFileSync('mkfifo', [path.join(folder, blob)]);
      return folder;
    },
    (at) => {
      const entries = [
        { name: '../../escape', data: 'x' },
        { name: 'link', type: '2', linkName: '/etc/shadow' },
        { name: 'hard', type: '1', linkName: 'hard' },
        {
          name: 'index.json',
          data:
            '{"manifests":[' +
            '{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:' +
            '0'.repeat(64) +
            '"},'.repeat(random.int(200)) +
            '{}]}',
        },
      ];
      writeFileSync(`${at}.tar`, tar(entries));
      return `${at}.tar`;
    },
    (at) => {
      const layer = zstdRle(random.int(1 << 20), {
        windowLog: 10 + random.int(22),
        prefix: random.bytes(random.int(600)),
      });
      return writeTar(
        `${at}.tar`,
        ociFiles({
          layers: [layer],
          layerMediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
        }),
      );
    },
    (at) => {
      mkdirSync(at, { recursive: true });
      writeFileSync(path.join(at, 'index.json'), random.bytes(random.int(300)));
      return at;
    },
  ];
  for (let i = 0; i < count; i++) {
    const make = random.pick(makers);
    out.push([`archive-${i}`, make(path.join(dir, `archive-${i}`))]);
  }
  return out;
}
