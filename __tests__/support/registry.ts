// A real registry for tests: Debian's `docker-registry` (the CNCF distribution registry) started
// on 127.0.0.1 with its own config and storage in a temp folder, optionally behind htpasswd
// (Basic) or token (Bearer, with a token server of our own that signs with a key from openssl)
// auth; images pushed to it with skopeo from the engine's docker-save archives.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { reportSkip } from './skip.js';

const run = promisify(execFile);

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const USER = 'ci-reader';
export const PASSWORD = 'pull-only-secret';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  auth: 'none' | 'htpasswd' | 'token';
  /** How many tokens the token server issued (token auth only). */
  tokensIssued(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether the tools the registry tests need are here; false after reporting the skip (CI: throws). */
export function registryTools(suite: string): boolean {
  for (const tool of [
    REGISTRY_BINARY,
    '/usr/bin/skopeo',
    '/usr/bin/htpasswd',
    '/usr/bin/openssl',
  ]) {
    if (!existsSync(tool)) {
      reportSkip(
        suite,
        `${tool} is missing (Debian packages docker-registry, skopeo, apache2-utils, openssl)`,
      );
      return false;
    }
  }
  return true;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A token server as the distribution token spec describes it: GET ?service&scope with Basic
 * credentials; answers {"token": JWT} signed RS256 with the certificate in the x5c header, which
 * the registry checks against its rootcertbundle.
 */
async function startTokenServer(
  dir: string,
  issuer: string,
): Promise<{ realm: string; server: http.Server; issued: () => number }> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=exit139-guard-test-token',
    '-keyout',
    path.join(dir, 'token.key'),
    '-out',
    path.join(dir, 'token.crt'),
  ]);
  const key = readFileSync(path.join(dir, 'token.key'), 'utf8');
  const pem = readFileSync(path.join(dir, 'token.crt'), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  let issued = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"details":"bad credentials"}');
      return;
    }
    const [type, name, actions] = (url.searchParams.get('scope') ?? '').split(':');
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: USER,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: type
        ? [
            {
              type,
              name,
              actions: (actions ?? '').split(',').filter((a) => a === 'pull' || a === 'push'),
            },
          ]
        : [],
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    issued++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${signingInput}.${base64url(signature)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { realm: `http://127.0.0.1:${port}/token`, server, issued: () => issued };
}

/** Starts a registry on 127.0.0.1; storage and config live in a temp folder removed by stop(). */
export async function startRegistry(auth: TestRegistry['auth'] = 'none'): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'exit139-guard-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  let tokenServer: http.Server | null = null;
  let issued = () => 0;
  if (auth === 'htpasswd') {
    const { stdout } = await run('htpasswd', ['-Bbn', USER, PASSWORD]);
    writeFileSync(path.join(dir, 'htpasswd'), stdout);
    lines.push(
      'auth:',
      '  htpasswd:',
      '    realm: exit139-guard-test',
      `    path: ${path.join(dir, 'htpasswd')}`,
    );
  } else if (auth === 'token') {
    const service = 'exit139-guard-test-registry';
    const issuer = 'exit139-guard-test-issuer';
    const token = await startTokenServer(dir, issuer);
    tokenServer = token.server;
    issued = token.issued;
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${token.realm}`,
      `    service: ${service}`,
      `    issuer: ${issuer}`,
      `    rootcertbundle: ${path.join(dir, 'token.crt')}`,
    );
  }
  writeFileSync(path.join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', path.join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    dir,
    auth,
    tokensIssued: issued,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      if (tokenServer) await new Promise((r) => tokenServer!.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PushOptions {
  /** skopeo's `--format`: v2s2 (Docker) or oci. */
  format?: 'v2s2' | 'oci';
  compression?: 'gzip' | 'zstd';
  credentials?: boolean;
}

/** Pushes a docker-save archive (or OCI layout) to `ref` with skopeo. */
export async function pushArchive(
  source: string,
  ref: string,
  options: PushOptions = {},
): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false', '--dest-compress-level', '1'];
  if (options.format) args.push('--format', options.format);
  if (options.compression) args.push('--dest-compress-format', options.compression);
  if (options.credentials) args.push('--dest-creds', `${USER}:${PASSWORD}`);
  args.push(source, `docker://${ref}`);
  await run('skopeo', args, { maxBuffer: 16 * 1024 * 1024 });
}
