/**
 * Image references as Docker and containerd read them (distribution/reference's grammar and its
 * normalisation): `[DOMAIN[:PORT]/]PATH[:TAG][@DIGEST]`, where the first component is a domain
 * only when it has a `.` or a `:` or is `localhost`; no domain means Docker Hub (`docker.io`,
 * served at `registry-1.docker.io`), and a one-component Hub path gets `library/`.
 */
import { UsageError } from '../../errors.js';

export interface ImageReference {
  /** As the reference names it, normalised: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  path: string;
  tag: string | null;
  digest: string | null;
}

// distribution/reference: path components are lowercase alphanumerics joined by separators.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/** Parses a reference; a malformed one is a UsageError naming the part that is wrong. */
export function parseReference(text: string): ImageReference {
  const bad = (why: string) => new UsageError(`image reference '${text}': ${why}`);
  let rest = text.trim();
  if (rest === '') throw bad('empty');
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`'${digest}' is not a sha256 or sha512 digest`);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`'${tag}' is not a valid tag`);
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (
    parts.length > 1 &&
    (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')
  ) {
    domain = parts.shift() as string;
    if (!DOMAIN.test(domain)) throw bad(`'${domain}' is not a registry host`);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw bad(`'${part}' is not a valid repository path component`);
  }
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (tag === null && digest === null) tag = 'latest';
  return { domain, path: parts.join('/'), tag, digest };
}

/** `domain/path[:tag][@digest]`, the normalised form. */
export function formatReference(ref: ImageReference): string {
  return (
    `${ref.domain}/${ref.path}` +
    (ref.tag !== null ? `:${ref.tag}` : '') +
    (ref.digest !== null ? `@${ref.digest}` : '')
  );
}

/** The host the Distribution API is served at (Docker Hub's API is not at `docker.io`). */
export function apiHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

/** Whether `domain` (with or without a port) is this machine: `localhost`, 127.0.0.0/8, `[::1]`. */
export function isLoopback(domain: string): boolean {
  const host = domain.startsWith('[')
    ? domain.slice(1, domain.indexOf(']'))
    : domain.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '::1' || /^127(?:\.[0-9]{1,3}){3}$/.test(host);
}
