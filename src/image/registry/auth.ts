/**
 * Registry credentials and challenges: the `auths` of a Docker `config.json` (what `docker
 * login` and docker/login-action write), a username and password given directly, and the
 * `WWW-Authenticate` challenge of RFC 7235 as the Distribution token spec uses it
 * (`Bearer realm=…,service=…,scope=…` or `Basic realm=…`).
 */
import { readFileSync } from 'node:fs';

import { InputError } from '../../errors.js';

export interface Credentials {
  username: string;
  password: string;
}

/** The parsed `config.json`: credentials by registry host, and the helpers we do not run. */
export interface DockerConfig {
  /** Where it was read, for messages. */
  path: string;
  auths: Map<string, Credentials>;
  /** `credsStore` / `credHelpers`: external programs this tool does not run. */
  helpers: Map<string, string>;
  defaultHelper: string | null;
}

/** The host a `config.json` key names (`https://index.docker.io/v1/` → `docker.io`). */
function keyHost(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)
    ? 'docker.io'
    : host;
}

/**
 * Reads a Docker `config.json` (`{"auths": {"HOST": {"auth": base64("user:pass")} | {"username",
 * "password"}}}`). Errors: an unreadable file, bad JSON or a bad `auth` value, as InputErrors
 * naming the file and the key.
 */
export function readDockerConfig(path: string): DockerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(
      `${path}: cannot read the registry credentials: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError(`${path}: expected a JSON object like {"auths": {...}}`);
  }
  const config = json as Record<string, unknown>;
  const auths = new Map<string, Credentials>();
  const entries = (config.auths ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(entries)) {
    const where = `${path}: auths["${key}"]`;
    if (typeof value !== 'object' || value === null)
      throw new InputError(`${where}: expected an object`);
    const entry = value as Record<string, unknown>;
    let credentials: Credentials | null = null;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new InputError(`${where}.auth: not base64 of "username:password"`);
      credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      credentials = { username: entry.username, password: entry.password };
    }
    if (credentials) auths.set(keyHost(key), credentials);
  }
  const helpers = new Map<string, string>();
  for (const [key, helper] of Object.entries(
    (config.credHelpers ?? {}) as Record<string, unknown>,
  )) {
    if (typeof helper === 'string') helpers.set(keyHost(key), helper);
  }
  return {
    path,
    auths,
    helpers,
    defaultHelper: typeof config.credsStore === 'string' ? config.credsStore : null,
  };
}

/** What a registry host's credentials are, given the CLI's or the action's sources. */
export type CredentialSource =
  | { kind: 'none' }
  | { kind: 'password'; credentials: Credentials }
  | { kind: 'docker-config'; config: DockerConfig };

export function credentialsFor(source: CredentialSource, domain: string): Credentials | null {
  if (source.kind === 'password') return source.credentials;
  if (source.kind === 'docker-config') return source.config.auths.get(keyHost(domain)) ?? null;
  return null;
}

/** Why there are no credentials, for a 401's message: a helper we do not run, or nothing. */
export function missingCredentialsHint(source: CredentialSource, domain: string): string {
  if (source.kind === 'docker-config') {
    const credentials = source.config.auths.get(keyHost(domain));
    if (credentials) {
      return `the registry refused the credentials of '${credentials.username}' from ${source.config.path}`;
    }
    const helper = source.config.helpers.get(keyHost(domain)) ?? source.config.defaultHelper;
    if (helper) {
      return `${source.config.path} sends ${domain} to the credential helper 'docker-credential-${helper}', which exit139-guard does not run; give the credentials in "auths" or as username/password`;
    }
    return `${source.config.path} has no "auths" entry for ${domain}`;
  }
  if (source.kind === 'password') return 'the registry refused the username and password';
  return 'give credentials (--registry-auth CONFIG_JSON, or the registry-username/registry-password inputs)';
}

export interface Challenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` value (RFC 7235 §4.1: a scheme, then `name=token` or
 * `name="quoted string"` pairs separated by commas); several challenges in one header are split.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let at = 0;
  const skip = (re: RegExp) => {
    re.lastIndex = at;
    const m = re.exec(header);
    if (m) at = re.lastIndex;
    return m;
  };
  while (at < header.length) {
    skip(/[\s,]*/y);
    const token = skip(/[\w!#$%&'*+.^`|~-]+/y);
    if (!token) break;
    // A token followed by `=` is a parameter of the current challenge; otherwise a new scheme.
    const eq = skip(/\s*=\s*/y);
    if (!eq) {
      challenges.push({ scheme: token[0].toLowerCase(), params: {} });
      continue;
    }
    const quoted = skip(/"((?:[^"\\]|\\.)*)"/y);
    const value = quoted ? quoted[1].replace(/\\(.)/g, '$1') : (skip(/[^\s,]*/y)?.[0] ?? '');
    const current = challenges[challenges.length - 1];
    if (current) current.params[token[0].toLowerCase()] = value;
  }
  return challenges;
}
