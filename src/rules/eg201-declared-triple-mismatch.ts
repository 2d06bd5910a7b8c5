/**
 * EG201: a Go binary whose build info (GOOS, GOARCH, CGO_ENABLED) differs from what the
 * Dockerfile declares at the line that builds or copies it.
 */
import type { Finding } from '../findings.js';
import { artifactFor, blameFile, finding, type Rule } from './context.js';
import { goFiles, goSetting } from './facts.js';

const TRIPLE = ['GOOS', 'GOARCH', 'CGO_ENABLED'] as const;

export const EG201: Rule = {
  id: 'EG201',
  name: 'declared-triple-mismatch',
  defaultLevel: 'error',
  shortDescription: 'Go build info differs from what the Dockerfile declares',
  fullDescription:
    'The Go build info of a binary (GOOS, GOARCH, CGO_ENABLED as `go version -m` shows them) differs from what the Dockerfile declares for the file at the line that builds or copies it: the image is not what review approved.',
  runtimeError: '',
  why: [
    'Reviewers read the Dockerfile; the image is what runs. When the binary says',
    '`CGO_ENABLED=1` while the Dockerfile sets `CGO_ENABLED=0`, the file did not come from that',
    'build: a stale build output copied from the context, a Makefile or script that overrides the',
    'variable, or an `ENV` in another stage. The consequences are those of EG101, EG104 and EG106',
    'on the next base image change.',
  ].join('\n'),
  fix: [
    'Make the build that the Dockerfile shows produce the file, with the variables on the build',
    'line, and copy the output of that stage instead of a prebuilt file:',
    '',
    '```diff',
    ' FROM golang:1.22 AS build',
    ' COPY . .',
    '-RUN make build',
    '+RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /out/app ./cmd/app',
    ' ',
    ' FROM scratch',
    '-COPY bin/app /app',
    '+COPY --from=build /out/app /app',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When the difference is intended and documented (e.g. a script deliberately builds with cgo), and the binary passes the loader rules. Suppress with that reason.',
  tags: ['correctness', 'go', 'dockerfile'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    const model = ctx.dockerfile?.model ?? null;
    if (!model) return findings;
    for (const { file, elf } of goFiles(ctx.image)) {
      const artifact = artifactFor(model, file.path);
      if (!artifact) continue;
      for (const key of TRIPLE) {
        const declared = artifact.declared[key];
        const actual = goSetting(elf, key);
        // An implicit value is the model's reading of Go's defaults, not something the author
        // wrote; when the binary disagrees, the reading was wrong, not the Dockerfile.
        if (
          declared.value === null ||
          declared.implicit ||
          actual === null ||
          declared.value === actual
        )
          continue;
        findings.push(
          finding(
            'EG201',
            EG201.defaultLevel,
            file.path,
            `${file.path} was built with ${key}=${actual}, but the Dockerfile declares ${key}=${declared.value}`,
            [
              `Go build info: ${key}=${actual}`,
              `Dockerfile: ${key}=${declared.value} (${declared.origin})`,
            ],
            blameFile(ctx, file.path),
          ),
        );
      }
    }
    return findings;
  },
};
