/**
 * A client for the OCI Distribution API (distribution-spec v1.1 "pull": `GET /v2/<name>/manifests/
 * <reference>`, `GET /v2/<name>/blobs/<digest>`) with the Docker token flow (a 401 with a
 * `WWW-Authenticate: Bearer realm,service,scope` challenge, a token from the realm, the request
 * again with `Authorization: Bearer`) and Basic auth.
 *
 * Hand-written over Node's built-in fetch (undici) because no npm client fits: the maintained
 * one (@snyk/docker-registry-v2-client) buffers whole blobs in memory, checks no digest and
 * bounds nothing, and others are unmaintained. What this one guarantees, so that a registry that
 * lies or stalls gives one clear InputError and never a hang or a partial image:
 * - a manifest larger than `limits.manifestBytes` is refused (before or while reading it);
 * - every byte is checked against the digest that named it, manifests fetched by tag against
 *   the `Docker-Content-Digest` the registry states;
 * - a blob is read up to the size its descriptor states and no further, and must have exactly
 *   that size;
 * - at most `limits.redirects` redirects, `limits.authAttempts` 401 answers per request;
 * - `limits.requestTimeoutMs` until the answer's headers, `limits.idleTimeoutMs` between two
 *   chunks of a body, and `limits.totalTimeoutMs` for everything the client does (a registry
 *   that trickles a huge layer a byte at a time);
 * - credentials go only to the registry's own origin and its token realm, never to a redirect's
 *   storage host; plain HTTP only for loopback hosts (`insecure`).
 * Nothing is written to disk.
 */
import { createHash } from 'node:crypto';

import { InputError, UsageError } from '../../errors.js';
import { newHash } from '../bytes.js';
import {
  credentialsFor,
  missingCredentialsHint,
  parseChallenges,
  type Challenge,
  type CredentialSource,
} from './auth.js';
import { apiHost, isLoopback, type ImageReference } from './reference.js';

export interface RegistryLimits {
  /** Largest manifest or index accepted (distribution's own default cap is 4 MiB). */
  manifestBytes: number;
  /** Largest image config accepted. */
  configBytes: number;
  redirects: number;
  /** 401 answers accepted for one request before giving up (one challenge, one retry...). */
  authAttempts: number;
  /** Milliseconds from sending a request to its answer's headers. */
  requestTimeoutMs: number;
  /** Milliseconds of silence allowed between two chunks of a body. */
  idleTimeoutMs: number;
  /** Milliseconds for all the client's requests together, from its creation. */
  totalTimeoutMs: number;
}

export const DEFAULT_LIMITS: RegistryLimits = {
  manifestBytes: 4 * 1024 * 1024,
  configBytes: 16 * 1024 * 1024,
  redirects: 5,
  authAttempts: 3,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: Number.POSITIVE_INFINITY,
};

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const ACCEPT_MANIFESTS = Object.values(MEDIA_TYPES).join(', ');
const TOKEN_RESPONSE_BYTES = 1024 * 1024;
const ERROR_BODY_BYTES = 64 * 1024;

export interface FetchedManifest {
  bytes: Buffer;
  /** The `mediaType` the document states, else the Content-Type of the answer. */
  mediaType: string;
  /** `sha256:<hex>` of the bytes (or the digest asked for, which they were checked against). */
  digest: string;
}

class Timeout extends Error {}

/** setTimeout's longest delay; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}

export class RegistryClient {
  private readonly base: URL;
  private authorization: string | null = null;
  /** What the last 401 asked for, to tell a refused login from a first challenge. */
  private sentCredentials = false;
  private readonly deadline: number;
  readonly label: string;

  constructor(
    readonly reference: ImageReference,
    private readonly credentials: CredentialSource,
    private readonly limits: RegistryLimits = DEFAULT_LIMITS,
    insecure = false,
  ) {
    if (insecure && !isLoopback(reference.domain)) {
      throw new UsageError(
        `--insecure-registry (plain HTTP) is only for registries on this machine (localhost, 127.0.0.1, [::1]), not ${reference.domain}`,
      );
    }
    this.base = new URL(`${insecure ? 'http' : 'https'}://${apiHost(reference.domain)}`);
    this.deadline = Date.now() + limits.totalTimeoutMs;
    this.label = `registry ${reference.domain}/${reference.path}`;
  }

  /**
   * Fetches a manifest or index by tag or digest. Errors (InputError): not found, an answer that
   * is not 200, larger than the cap, bytes that do not match the digest asked for or stated.
   */
  async manifest(tagOrDigest: string): Promise<FetchedManifest> {
    const where = `${this.label}: manifest ${tagOrDigest}`;
    const { response, abort } = await this.request(
      `/v2/${this.reference.path}/manifests/${tagOrDigest}`,
      ACCEPT_MANIFESTS,
      where,
    );
    try {
      await this.expectOk(response, where, abort);
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (length > this.limits.manifestBytes) {
        throw new InputError(
          `${where}: the registry sends a manifest of ${length} bytes; manifests larger than ${mib(this.limits.manifestBytes)} are refused`,
        );
      }
      const bytes = await this.readBody(
        response,
        abort,
        where,
        this.limits.manifestBytes,
        () =>
          new InputError(
            `${where}: the manifest is larger than ${mib(this.limits.manifestBytes)}; manifests that large are refused`,
          ),
      );
      const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const stated = response.headers.get('docker-content-digest');
      const expected = tagOrDigest.includes(':') ? tagOrDigest : stated;
      if (expected) {
        const [algorithm, hex] = expected.split(':');
        const got = newHash(algorithm, where).update(bytes).digest('hex');
        if (got !== hex) {
          throw new InputError(
            `${where}: the registry's answer does not match its digest ${expected}: the bytes hash to ${algorithm}:${got}`,
          );
        }
      }
      let mediaType = response.headers.get('content-type') ?? '';
      try {
        const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
        if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
      } catch {
        throw new InputError(`${where}: the registry's answer is not JSON`);
      }
      return { bytes, mediaType, digest: expected ?? actual };
    } finally {
      abort();
    }
  }

  /**
   * Streams a blob (`what` names it in messages, e.g. `registry:…: layer 2 of 5`; `signal` closes
   * it early): at most `size` bytes, checked against `digest` when the stream ends.
   * Errors (InputError, thrown from the iteration): not found, more or fewer bytes than `size`,
   * a digest mismatch, a stall longer than the idle timeout.
   */
  async *blob(
    digest: string,
    size: number,
    what: string,
    signal?: AbortSignal,
  ): AsyncGenerator<Buffer> {
    const where = `${what}: blob ${digest}`;
    const [algorithm, hex] = digest.split(':');
    const hash = newHash(algorithm, where);
    const { response, abort } = await this.request(
      `/v2/${this.reference.path}/blobs/${digest}`,
      '*/*',
      where,
    );
    // A reader that gives up half-way (a corrupt layer) closes the connection through `signal`.
    signal?.addEventListener('abort', abort);
    try {
      await this.expectOk(response, where, abort);
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (!Number.isNaN(length) && length !== size) {
        throw new InputError(
          `${where}: the registry sends ${length} bytes for a blob its manifest says has ${size}`,
        );
      }
      let count = 0;
      for await (const chunk of this.chunks(response, abort, where)) {
        count += chunk.length;
        if (count > size) {
          throw new InputError(
            `${where}: the registry sends more than the ${size} bytes the manifest states; stopped reading`,
          );
        }
        hash.update(chunk);
        yield chunk;
      }
      if (count < size) {
        throw new InputError(
          `${where}: the registry's answer ends after ${count} of ${size} bytes`,
        );
      }
      const got = hash.digest('hex');
      if (got !== hex) {
        throw new InputError(
          `${where}: the registry's blob does not match its digest: its bytes hash to ${algorithm}:${got}`,
        );
      }
    } finally {
      abort();
    }
  }

  /** A whole blob of at most `cap` bytes (configs), checked as `blob` checks it. */
  async blobBytes(digest: string, size: number, cap: number, what: string): Promise<Buffer> {
    if (size > cap) {
      throw new InputError(
        `${what}: blob ${digest} is ${size} bytes; larger than ${mib(cap)} is refused`,
      );
    }
    const parts: Buffer[] = [];
    for await (const chunk of this.blob(digest, size, what)) parts.push(chunk);
    return Buffer.concat(parts);
  }

  private async expectOk(response: Response, where: string, abort: () => void): Promise<void> {
    if (response.status === 200) return;
    let detail = '';
    try {
      const body = await this.readBody(response, abort, where, ERROR_BODY_BYTES, () => null);
      const errors = (JSON.parse(body.toString('utf8')) as { errors?: { message?: string }[] })
        .errors;
      if (errors?.[0]?.message) detail = `: ${errors[0].message}`;
    } catch {
      // The registry's error document is only decoration for the message.
    }
    if (response.status === 404) {
      throw new InputError(`${where}: not found in the registry (404${detail})`);
    }
    throw new InputError(`${where}: the registry answered ${response.status}${detail}`);
  }

  /**
   * One request, with redirects followed by hand (credentials stay with the registry's origin)
   * and 401 challenges answered; returns the final answer and a function closing it.
   */
  private async request(
    path: string,
    accept: string,
    where: string,
  ): Promise<{ response: Response; abort: () => void }> {
    let url = new URL(path, this.base);
    let redirects = 0;
    let unauthorized = 0;
    for (;;) {
      const sameOrigin = url.origin === this.base.origin;
      const headers: Record<string, string> = { accept, 'user-agent': 'exit139-guard' };
      if (sameOrigin && this.authorization) headers.authorization = this.authorization;
      const { response, abort } = await this.send(url, headers, where);
      if ([301, 302, 303, 307, 308].includes(response.status)) {
        const location = response.headers.get('location');
        abort();
        if (!location)
          throw new InputError(`${where}: a ${response.status} redirect without a Location`);
        if (++redirects > this.limits.redirects) {
          throw new InputError(
            `${where}: more than ${this.limits.redirects} redirects (the last to ${new URL(location, url).href}); a redirect loop?`,
          );
        }
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && !(next.protocol === 'http:' && isLoopback(next.host))) {
          throw new InputError(`${where}: refusing a redirect to ${next.href} (not HTTPS)`);
        }
        url = next;
        continue;
      }
      if (response.status === 401 && sameOrigin) {
        const header = response.headers.get('www-authenticate') ?? '';
        abort();
        if (++unauthorized >= this.limits.authAttempts) {
          throw new InputError(
            `${where}: the registry still answers 401 Unauthorized after ${unauthorized} attempts` +
              (this.sentCredentials ? ' with credentials' : '') +
              `: ${missingCredentialsHint(this.credentials, this.reference.domain)}`,
          );
        }
        await this.authenticate(parseChallenges(header), where);
        continue;
      }
      return { response, abort };
    }
  }

  /** Answers a challenge: a Bearer token from its realm, or Basic credentials. */
  private async authenticate(challenges: Challenge[], where: string): Promise<void> {
    const credentials = credentialsFor(this.credentials, this.reference.domain);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const realm = bearer.params.realm;
      let url: URL;
      try {
        url = new URL(realm ?? '');
      } catch {
        throw new InputError(
          `${where}: the registry's Bearer challenge has no valid realm: '${realm}'`,
        );
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.host))) {
        throw new InputError(`${where}: refusing the token realm ${url.href} (not HTTPS)`);
      }
      if (bearer.params.service) url.searchParams.set('service', bearer.params.service);
      url.searchParams.set(
        'scope',
        bearer.params.scope ?? `repository:${this.reference.path}:pull`,
      );
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': 'exit139-guard',
      };
      if (credentials) {
        headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
        this.sentCredentials = true;
      }
      const tokenWhere = `${where}: token from ${url.origin}${url.pathname}`;
      const { response, abort } = await this.send(url, headers, tokenWhere);
      try {
        if (response.status !== 200) {
          throw new InputError(
            `${tokenWhere}: answered ${response.status}` +
              (response.status === 401 || response.status === 403
                ? `: ${missingCredentialsHint(this.credentials, this.reference.domain)}`
                : ''),
          );
        }
        const body = await this.readBody(
          response,
          abort,
          tokenWhere,
          TOKEN_RESPONSE_BYTES,
          () => new InputError(`${tokenWhere}: the token answer is larger than 1 MiB`),
        );
        let token: unknown;
        try {
          const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          token = json.token ?? json.access_token;
        } catch {
          throw new InputError(`${tokenWhere}: the answer is not JSON`);
        }
        if (typeof token !== 'string' || token === '') {
          throw new InputError(`${tokenWhere}: the answer has no "token"`);
        }
        this.authorization = `Bearer ${token}`;
      } finally {
        abort();
      }
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!credentials) {
        throw new InputError(
          `${where}: the registry needs a login: ${missingCredentialsHint(this.credentials, this.reference.domain)}`,
        );
      }
      if (this.sentCredentials) {
        throw new InputError(
          `${where}: the registry refused the credentials of '${credentials.username}' (401 Unauthorized)`,
        );
      }
      this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      this.sentCredentials = true;
      return;
    }
    throw new InputError(
      `${where}: the registry answered 401 Unauthorized without a Bearer or Basic challenge`,
    );
  }

  /** The wait allowed now: `ms`, or what is left of the total time (`total`); none left throws. */
  private timeout(ms: number, where: string): { ms: number; total: boolean } {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new InputError(this.totalTimeoutMessage(where));
    return left < ms ? { ms: Math.min(left, MAX_TIMER_MS), total: true } : { ms, total: false };
  }

  private totalTimeoutMessage(where: string): string {
    return `${where}: the registry took longer than ${this.limits.totalTimeoutMs / 1000} s in all; gave up`;
  }

  /** One HTTP exchange with the header timeout; `abort` closes it (idempotent). */
  private async send(
    url: URL,
    headers: Record<string, string>,
    where: string,
  ): Promise<{ response: Response; abort: () => void }> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const { ms, total } = this.timeout(this.limits.requestTimeoutMs, where);
    const timer = setTimeout(() => controller.abort(new Timeout()), ms);
    try {
      const response = await fetch(url, { headers, redirect: 'manual', signal: controller.signal });
      return { response, abort };
    } catch (err) {
      if (controller.signal.reason instanceof Timeout) {
        throw new InputError(
          total
            ? this.totalTimeoutMessage(where)
            : `${where}: no answer from ${url.host} within ${this.limits.requestTimeoutMs / 1000} s`,
        );
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new InputError(
        `${where}: cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** The chunks of a body, each within the idle timeout. */
  private async *chunks(
    response: Response,
    abort: () => void,
    where: string,
  ): AsyncGenerator<Buffer> {
    if (!response.body) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        let timedOut = false;
        const { ms, total } = this.timeout(this.limits.idleTimeoutMs, where);
        const timer = setTimeout(() => {
          timedOut = true;
          abort();
        }, ms);
        let next: { done: true; value?: undefined } | { done: false; value: Uint8Array };
        try {
          next = await reader.read();
        } catch (err) {
          if (timedOut) {
            throw new InputError(
              total
                ? this.totalTimeoutMessage(where)
                : `${where}: the registry sent nothing for ${this.limits.idleTimeoutMs / 1000} s; gave up`,
            );
          }
          throw new InputError(`${where}: the connection failed: ${(err as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
        if (next.done) return;
        yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      }
    } finally {
      reader.releaseLock();
    }
  }

  private async readBody(
    response: Response,
    abort: () => void,
    where: string,
    cap: number,
    tooLarge: () => InputError | null,
  ): Promise<Buffer> {
    const parts: Buffer[] = [];
    let count = 0;
    for await (const chunk of this.chunks(response, abort, where)) {
      count += chunk.length;
      if (count > cap) {
        const error = tooLarge();
        if (error) throw error;
        break;
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts);
  }
}
