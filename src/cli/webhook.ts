/**
 * `exit139-guard webhook`: serves the Kubernetes validating admission webhook over HTTPS until
 * SIGTERM or SIGINT (see src/webhook/server.ts and deploy/). Exit status 0 after a signal, 2 for
 * bad usage or an unreadable certificate, key or config.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from './args.js';
import type { Command } from './command.js';
import { InputError, UsageError } from '../errors.js';
import { readDockerConfig, type CredentialSource } from '../image/registry/index.js';
import { loadWebhookConfig, startWebhook } from '../webhook/index.js';

const USAGE = `Usage: exit139-guard webhook --listen ADDR --tls-cert FILE --tls-key FILE [--config FILE]

Serves the Kubernetes validating admission webhook: POST /validate (and /validate/deny,
/validate/warn, /validate/off) with an AdmissionReview admission.k8s.io/v1; GET /healthz.
Every container and initContainer image of a Pod, Deployment, ReplicaSet, StatefulSet,
DaemonSet, Job or CronJob is scanned from its registry; see deploy/ for the manifests.

Options:
  --listen ADDR      HOST:PORT or :PORT (all addresses) to listen on
  --tls-cert FILE    PEM certificate (chain) the webhook configuration's caBundle trusts
  --tls-key FILE     its PEM private key
  --config FILE      the policy: mode, failOn, optOutAnnotation, skipImagePrefixes, budgetMs,
                     concurrency, platform, cache, registry (see README "Admission webhook")`;

/** `HOST:PORT`, `:PORT`, `[v6]:PORT` → host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new UsageError(`--listen '${text}': expected HOST:PORT or :PORT (e.g. :8443)`);
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InputError(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
  }
}

export const webhookCommand: Command = {
  name: 'webhook',
  summary: 'serve the Kubernetes admission webhook that keeps dying images out of a cluster',
  usage: USAGE,
  async run(args, io) {
    const { strings } = parseArgs(args, [
      { names: ['--listen'], key: 'listen', kind: 'string' },
      { names: ['--tls-cert'], key: 'cert', kind: 'string' },
      { names: ['--tls-key'], key: 'key', kind: 'string' },
      { names: ['--config'], key: 'config', kind: 'string' },
    ]);
    for (const [key, name] of [
      ['listen', '--listen'],
      ['cert', '--tls-cert'],
      ['key', '--tls-key'],
    ] as const) {
      if (strings[key] === undefined) throw new UsageError(`${name} is required`);
    }
    const { host, port } = parseListen(strings.listen as string);
    const config = loadWebhookConfig(strings.config ?? null);
    const credentials: CredentialSource = config.registry.auth
      ? { kind: 'docker-config', config: readDockerConfig(config.registry.auth) }
      : { kind: 'none' };
    let webhook;
    try {
      webhook = await startWebhook({
        config,
        credentials,
        cert: readPem(strings.cert as string, 'certificate'),
        key: readPem(strings.key as string, 'key'),
        host,
        port,
        log: (entry) => io.stdout(JSON.stringify(entry) + '\n'),
      });
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`cannot serve on ${strings.listen}: ${(err as Error).message}`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    await webhook.close();
    return 0;
  },
};
