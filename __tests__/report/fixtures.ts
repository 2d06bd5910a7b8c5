/**
 * Scan reports shaped like the scanner's output for a real case: a Go service built with the
 * default CGO_ENABLED=1 in golang:1.22 (Debian) and copied FROM scratch, plus an entrypoint
 * script with a bash shebang. Line numbers refer to EXAMPLE_DOCKERFILE below.
 */
import type { DockerfileRange, Finding, ScanReport } from '../../src/findings.js';

export const EXAMPLE_DOCKERFILE = [
  'FROM golang:1.22 AS build', // 1
  'WORKDIR /src', // 2
  'COPY . .', // 3
  'RUN go build -o /out/server ./cmd/server', // 4
  '', // 5
  'FROM scratch', // 6
  'COPY --from=build /out/server /server', // 7
  'COPY entrypoint.sh /entrypoint.sh', // 8
  'ENTRYPOINT ["/entrypoint.sh"]', // 9
  '',
].join('\n');

export function range(
  startLine: number,
  role: DockerfileRange['role'],
  instruction: string,
  path = 'Dockerfile',
): DockerfileRange {
  return { path, startLine, endLine: startLine, role, instruction };
}

export function exampleFindings(dockerfilePath = 'Dockerfile'): Finding[] {
  const copy = range(7, 'placed', 'COPY --from=build /out/server /server', dockerfilePath);
  const built = range(4, 'built', 'RUN go build -o /out/server ./cmd/server', dockerfilePath);
  const from = range(6, 'from', 'FROM scratch', dockerfilePath);
  return [
    {
      ruleId: 'EG202',
      level: 'error',
      path: '/server',
      message:
        'The cgo-enabled Go binary /server is dynamically linked, and the final stage is FROM scratch.',
      evidence: [
        'go build info: CGO_ENABLED=1 GOOS=linux GOARCH=amd64',
        'PT_INTERP /lib64/ld-linux-x86-64.so.2 (missing)',
        'the Dockerfile leaves CGO_ENABLED unset at line 4: Go default 1 (gcc present in golang:1.22)',
      ],
      dockerfile: copy,
      related: [built, from],
      suppression: null,
    },
    {
      ruleId: 'EG101',
      level: 'error',
      path: '/server',
      message: 'The ELF interpreter /lib64/ld-linux-x86-64.so.2 of /server is not in the image.',
      evidence: ['PT_INTERP /lib64/ld-linux-x86-64.so.2: /lib64 does not exist'],
      dockerfile: copy,
      related: [built, from],
      suppression: null,
    },
    {
      ruleId: 'EG303',
      level: 'error',
      path: '/entrypoint.sh',
      message: 'The interpreter /bin/bash of /entrypoint.sh is not in the image.',
      evidence: ['#!/bin/bash'],
      dockerfile: range(8, 'placed', 'COPY entrypoint.sh /entrypoint.sh', dockerfilePath),
      related: [range(9, 'entrypoint', 'ENTRYPOINT ["/entrypoint.sh"]', dockerfilePath), from],
      suppression: null,
    },
    {
      ruleId: 'EG401',
      level: 'warning',
      path: '/server',
      message:
        'The Go binary /server loads system root certificates and the image has no CA bundle.',
      evidence: [
        'links crypto/x509.loadSystemRoots',
        'none of /etc/ssl/certs/ca-certificates.crt, /etc/ssl/cert.pem, ... exists',
      ],
      dockerfile: copy,
      related: [from],
      suppression: null,
    },
    {
      ruleId: 'EG501',
      level: 'note',
      path: '/server',
      message: '/server is not a position-independent executable and has no RELRO.',
      evidence: ['PIE: no', 'RELRO: none', 'NX: yes', 'stack protector: no'],
      dockerfile: copy,
      related: [],
      suppression: {
        kind: 'config',
        reason: 'hardening is tracked in PLAT-12',
        expires: null,
        source: '.exit139-guard.yml:4',
      },
    },
  ];
}

export function exampleReport(
  findings: Finding[] = exampleFindings(),
  dockerfilePath = 'Dockerfile',
): ScanReport {
  const count = (level: string) =>
    findings.filter((f) => f.level === level && !f.suppression).length;
  return {
    version: 1,
    image: {
      ref: 'ghcr.io/acme/server:pr-42',
      id: 'sha256:' + 'ab'.repeat(32),
      platform: 'linux/amd64',
      digest: null,
    },
    dockerfile: {
      path: dockerfilePath,
      target: null,
      finalFrom: range(6, 'from', 'FROM scratch', dockerfilePath),
    },
    findings,
    summary: {
      errors: count('error'),
      warnings: count('warning'),
      notes: count('note'),
      files: 3,
      elfFiles: 1,
      durationMs: 120,
    },
  };
}

export function cleanReport(dockerfilePath = 'Dockerfile'): ScanReport {
  return exampleReport([], dockerfilePath);
}
