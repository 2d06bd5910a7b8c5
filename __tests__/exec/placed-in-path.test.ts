/**
 * Files the Dockerfile puts in a PATH directory are started later by name (by a script, by
 * `docker exec`): the kernel's exec is judged for them too, a level below the entrypoint's, and
 * blamed on the COPY that placed them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScanReport } from '../../src/findings.js';
import { scan } from '../../src/scan.js';
import { FIELD, tinyElf } from '../support/tiny-elf.js';

const DOCKERFILE = [
  'FROM debian:bookworm-slim',
  'COPY crlf-tool /usr/local/bin/crlf-tool',
  'COPY notes /usr/local/bin/notes',
  'COPY broken /usr/local/bin/broken',
  'COPY fine /usr/local/bin/fine',
  '',
].join('\n');

let root: string;
let report: ScanReport;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'placed-in-path-'));
  const put = (p: string, content: string | Buffer) => {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), content);
    chmodSync(path.join(root, p), 0o755);
  };
  put('bin/sh', tinyElf(0));
  put('usr/local/bin/crlf-tool', '#!/bin/sh\r\necho hi\r\n');
  put('usr/local/bin/notes', 'echo hi\n');
  const broken = tinyElf(0);
  broken.writeUInt16LE(1, FIELD.e_type);
  put('usr/local/bin/broken', broken);
  put('usr/local/bin/fine', '#!/bin/sh\necho hi\n');
  report = await scan({
    source: { kind: 'archive', path: root },
    // A root folder records no platform; the Dockerfile model needs one.
    platform: 'linux/amd64',
    dockerfile: { path: 'Dockerfile', text: DOCKERFILE },
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('executables the Dockerfile puts in PATH', () => {
  it('are judged as the kernel would start them, each blamed on its COPY', () => {
    const ours = report.findings
      .filter((f) => ['EG108', 'EG110', 'EG303'].includes(f.ruleId))
      .map((f) => [f.ruleId, f.level, f.path, f.dockerfile?.startLine]);
    expect(ours).toEqual([
      ['EG110', 'error', '/usr/local/bin/broken', 4],
      ['EG108', 'warning', '/usr/local/bin/notes', 3],
      ['EG303', 'warning', '/usr/local/bin/crlf-tool', 2],
    ]);
  });
});
