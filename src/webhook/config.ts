/**
 * The admission webhook's policy file (YAML), e.g.
 *
 * ```yaml
 * mode: warn                  # for POST /validate; /validate/deny and /validate/warn name their own
 * failOn: error               # the finding level that fails an image (error | warning | note)
 * optOutAnnotation: exit139-guard.io/skip   # "true" on a pod (or pod template): not checked
 * skipImagePrefixes: [registry.k8s.io/, docker.io/library/]
 * budgetMs: 8000              # answer within this; past it: allowed, with a warning
 * concurrency: 4              # scans at once
 * platform: linux/amd64       # the nodes' platform (default: this machine's)
 * cache: { maxEntries: 1000, tagTtlSeconds: 60 }
 * registry:
 *   auth: /etc/exit139-guard/docker-config.json   # a Docker config.json ("auths")
 *   insecureLoopback: false   # plain HTTP for registries on 127.0.0.1 / localhost (tests)
 *   requestTimeoutMs: 10000   # to the answer's headers, and between two chunks of a body
 *   scanTimeoutMs: 120000     # one image's scan in all (it goes on past budgetMs to fill the cache)
 * ```
 *
 * Modes per namespace: the API server matches namespace labels, not the webhook (an
 * AdmissionReview carries the namespace's name only), so deploy/ registers one webhook per value
 * of the namespace label `exit139-guard.io/mode`, each calling `/validate/<mode>`.
 */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

import { InputError } from '../errors.js';
import { LEVELS, type Level } from '../findings.js';
import { parsePlatform } from '../image/platform.js';

export const MODES = ['deny', 'warn', 'off'] as const;
export type Mode = (typeof MODES)[number];

export interface WebhookConfig {
  mode: Mode;
  failOn: Level;
  optOutAnnotation: string;
  skipImagePrefixes: string[];
  budgetMs: number;
  concurrency: number;
  platform: string | null;
  cache: { maxEntries: number; tagTtlSeconds: number };
  registry: {
    auth: string | null;
    insecureLoopback: boolean;
    requestTimeoutMs: number;
    scanTimeoutMs: number;
  };
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = {
  mode: 'warn',
  failOn: 'error',
  optOutAnnotation: 'exit139-guard.io/skip',
  skipImagePrefixes: [],
  budgetMs: 8000,
  concurrency: 4,
  platform: null,
  cache: { maxEntries: 1000, tagTtlSeconds: 60 },
  registry: {
    auth: null,
    insecureLoopback: false,
    requestTimeoutMs: 10_000,
    scanTimeoutMs: 120_000,
  },
};

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${where}: expected a mapping`);
  }
  return value as Json;
}

function known(map: Json, keys: string[], where: string): void {
  for (const key of Object.keys(map)) {
    if (!keys.includes(key)) {
      throw new InputError(`${where}: unknown key '${key}' (known: ${keys.join(', ')})`);
    }
  }
}

function integer(value: unknown, fallback: number, min: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InputError(
      `${where}: expected a whole number ≥ ${min}, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function choice<T extends string>(
  value: unknown,
  choices: readonly T[],
  fallback: T,
  where: string,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new InputError(
      `${where}: must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** Checks a parsed config; every error is an InputError naming `file` and the key. */
export function parseWebhookConfig(value: unknown, file: string): WebhookConfig {
  const top = object(value, file);
  const d = DEFAULT_WEBHOOK_CONFIG;
  known(
    top,
    [
      'mode',
      'failOn',
      'optOutAnnotation',
      'skipImagePrefixes',
      'budgetMs',
      'concurrency',
      'platform',
      'cache',
      'registry',
    ],
    file,
  );
  const prefixes = top.skipImagePrefixes ?? [];
  if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string' || p === '')) {
    throw new InputError(`${file}: skipImagePrefixes: expected a list of non-empty strings`);
  }
  if (
    top.optOutAnnotation !== undefined &&
    (typeof top.optOutAnnotation !== 'string' || top.optOutAnnotation === '')
  ) {
    throw new InputError(`${file}: optOutAnnotation: expected an annotation key`);
  }
  let platform: string | null = null;
  if (top.platform !== undefined) {
    if (typeof top.platform !== 'string')
      throw new InputError(`${file}: platform: expected os/arch[/variant]`);
    try {
      parsePlatform(top.platform);
    } catch (err) {
      throw new InputError(
        `${file}: platform: ${(err as Error).message.replace(/^--platform /, '')}`,
      );
    }
    platform = top.platform;
  }
  const cache = object(top.cache, `${file}: cache`);
  known(cache, ['maxEntries', 'tagTtlSeconds'], `${file}: cache`);
  const registry = object(top.registry, `${file}: registry`);
  known(
    registry,
    ['auth', 'insecureLoopback', 'requestTimeoutMs', 'scanTimeoutMs'],
    `${file}: registry`,
  );
  if (registry.auth !== undefined && typeof registry.auth !== 'string') {
    throw new InputError(`${file}: registry.auth: expected the path of a Docker config.json`);
  }
  if (registry.insecureLoopback !== undefined && typeof registry.insecureLoopback !== 'boolean') {
    throw new InputError(`${file}: registry.insecureLoopback: expected true or false`);
  }
  return {
    mode: choice(top.mode, MODES, d.mode, `${file}: mode`),
    failOn: choice(top.failOn, LEVELS, d.failOn, `${file}: failOn`),
    optOutAnnotation: (top.optOutAnnotation as string | undefined) ?? d.optOutAnnotation,
    skipImagePrefixes: prefixes as string[],
    budgetMs: integer(top.budgetMs, d.budgetMs, 100, `${file}: budgetMs`),
    concurrency: integer(top.concurrency, d.concurrency, 1, `${file}: concurrency`),
    platform,
    cache: {
      maxEntries: integer(cache.maxEntries, d.cache.maxEntries, 1, `${file}: cache.maxEntries`),
      tagTtlSeconds: integer(
        cache.tagTtlSeconds,
        d.cache.tagTtlSeconds,
        0,
        `${file}: cache.tagTtlSeconds`,
      ),
    },
    registry: {
      auth: (registry.auth as string | undefined) ?? null,
      insecureLoopback: (registry.insecureLoopback as boolean | undefined) ?? false,
      requestTimeoutMs: integer(
        registry.requestTimeoutMs,
        d.registry.requestTimeoutMs,
        100,
        `${file}: registry.requestTimeoutMs`,
      ),
      scanTimeoutMs: integer(
        registry.scanTimeoutMs,
        d.registry.scanTimeoutMs,
        100,
        `${file}: registry.scanTimeoutMs`,
      ),
    },
  };
}

/** Reads and checks the config file; no file given: the defaults. */
export function loadWebhookConfig(file: string | null): WebhookConfig {
  if (file === null) return DEFAULT_WEBHOOK_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the webhook config: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (err) {
    throw new InputError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parseWebhookConfig(value, file);
}
