import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { runCli } from '../../src/cli/main.js';
import { findingRuntimeError } from '../../src/rules/catalog.js';
import { scan } from '../../src/scan.js';
import {
  DEFAULT_WEBHOOK_CONFIG,
  startWebhook,
  type AdmissionReview,
  type LogEntry,
  type RunningWebhook,
  type WebhookConfig,
} from '../../src/webhook/index.js';
import { bundleAction } from '../action/run-action.js';
import { engine, ensureBaseImages, runContainer, saveImage } from '../support/engine.js';
import {
  pushArchive,
  registryTools,
  startRegistry,
  type TestRegistry,
} from '../support/registry.js';
import { buildScenario, REPO, scenarioTag } from '../support/scenarios.js';

/**
 * The admission webhook as the API server meets it: AdmissionReview admission.k8s.io/v1
 * requests (their objects, and deploy/'s manifests, validated against Kubernetes' OpenAPI
 * schema by kubernetes-models) POSTed over HTTPS to a server whose
 * certificate our own CA signed, images pulled from a real registry (Debian's docker-registry).
 */
const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'exit139-guard-webhook-'));
let registry: TestRegistry | null = null;
let webhook: RunningWebhook;
let ca: Buffer;
const logs: LogEntry[] = [];
const images: Record<string, string> = {};
/** The images: a failing one (no ELF interpreter: cgo on scratch), a healthy one, two more. */
const SCENARIOS = ['cgo-scratch', 'static-scratch', 'cgo-alpine', 'entrypoint-missing'];

async function makeCertificates(): Promise<{ cert: Buffer; key: Buffer }> {
  const f = (name: string) => path.join(work, name);
  const openssl = (...args: string[]) => run('openssl', args);
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=exit139-guard test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=exit139-guard-webhook.exit139-guard.svc',
    '-keyout',
    f('tls.key'),
    '-out',
    f('tls.csr'),
  );
  writeFileSync(
    f('san.ext'),
    'subjectAltName=DNS:exit139-guard-webhook.exit139-guard.svc,IP:127.0.0.1\n',
  );
  await openssl(
    'x509',
    '-req',
    '-in',
    f('tls.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('san.ext'),
    '-out',
    f('tls.crt'),
  );
  ca = readFileSync(f('ca.crt'));
  return { cert: readFileSync(f('tls.crt')), key: readFileSync(f('tls.key')) };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

/** One HTTPS exchange, as the API server makes it: TLS checked against the CA bundle. */
function post(
  target: RunningWebhook,
  urlPath: string,
  body: string | object,
  method = 'POST',
): Promise<Answer> {
  const started = performance.now();
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: target.address.port,
        path: urlPath,
        method,
        ca,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? data : undefined);
  });
}

let uidCount = 0;

/** An AdmissionReview as the API server sends it for a CREATE (k8s.io/api/admission/v1). */
function review(
  model: Pod | Deployment | CronJob | Service,
  kind: { group: string; version: string; kind: string },
  resource: string,
): AdmissionReview & { request: Record<string, unknown> } {
  model.validate();
  const object = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
  const uid = `705ab4f5-6393-11e8-b7cc-42010a8000${String(++uidCount).padStart(2, '0')}`;
  const metadata = (object as { metadata?: { name?: string } }).metadata;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource: { group: kind.group, version: kind.version, resource },
      requestKind: kind,
      requestResource: { group: kind.group, version: kind.version, resource },
      name: metadata?.name ?? '',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'admin', uid: '014fbff9a07c', groups: ['system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

function podSpec(init: string, main: string): IPodSpec {
  return {
    initContainers: [{ name: 'setup', image: init }],
    containers: [{ name: 'web', image: main }],
  };
}

function pod(init: string, main: string, annotations?: Record<string, string>) {
  const object = new Pod({
    metadata: { name: 'web-1', namespace: 'shop', ...(annotations ? { annotations } : {}) },
    spec: podSpec(init, main),
  });
  return review(object, { group: '', version: 'v1', kind: 'Pod' }, 'pods');
}

const POD_KIND = { group: '', version: 'v1', kind: 'Pod' };

function response(answer: Answer) {
  expect(answer.status).toBe(200);
  const body = answer.body as unknown as AdmissionReview;
  expect(body.apiVersion).toBe('admission.k8s.io/v1');
  expect(body.kind).toBe('AdmissionReview');
  return body.response!;
}

function webhookConfig(overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    ...DEFAULT_WEBHOOK_CONFIG,
    mode: 'warn',
    budgetMs: 20_000,
    registry: { auth: null, insecureLoopback: true, requestTimeoutMs: 5000, scanTimeoutMs: 60_000 },
    ...overrides,
  };
}

let tls: { cert: Buffer; key: Buffer };

beforeAll(async () => {
  if (!registryTools('admission webhook') || !(await engine('admission webhook'))) return;
  tls = await makeCertificates();
  await ensureBaseImages(['goBuilder', 'distrolessStatic', 'alpineLike']);
  registry = await startRegistry();
  for (const name of SCENARIOS) {
    const archive = path.join(work, `${name}.tar`);
    await saveImage(await buildScenario(name), archive);
    images[name] = `${registry.host}/scenario/${name}:test`;
    await pushArchive(`docker-archive:${archive}`, images[name]);
  }
  webhook = await startWebhook({
    config: webhookConfig(),
    credentials: { kind: 'none' },
    ...tls,
    host: '127.0.0.1',
    port: 0,
    log: (entry) => logs.push(entry),
  });
}, 600_000);

afterAll(async () => {
  await webhook?.close();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('admission webhook verdicts', () => {
  it('denies a pod whose initContainer will not start, naming container, rule and error', async () => {
    if (!registry) return;
    const direct = await scan({
      source: { kind: 'registry', ref: images['cgo-scratch'], insecure: true },
    });
    const error = direct.findings.find((f) => f.level === 'error')!;
    const answer = response(
      await post(webhook, '/validate/deny', pod(images['cgo-scratch'], images['static-scratch'])),
    );
    expect(answer.allowed).toBe(false);
    expect(answer.status?.code).toBe(403);
    expect(answer.status?.message).toBe(
      `exit139-guard: Pod shop/web-1 would not start: initContainer "setup" (image ${images['cgo-scratch']}): ` +
        `${error.ruleId} "${findingRuntimeError(error)}": ${error.message}`,
    );
    expect(findingRuntimeError(error)).toBe('exec /app: no such file or directory');
  });

  it('allows a healthy pod without warnings', async () => {
    if (!registry) return;
    const answer = response(
      await post(
        webhook,
        '/validate/deny',
        pod(images['static-scratch'], images['static-scratch']),
      ),
    );
    expect(answer).toEqual({ uid: expect.any(String), allowed: true });
  });

  it('judges each container as its pod spec starts it, not as the image config does', async () => {
    if (!registry) return;
    // The engine's truth for both overrides, as the kubelet would start them.
    const missing = await runContainer(scenarioTag('static-scratch'), {
      entrypoint: ['/usr/local/bin/migrate'],
    });
    expect(missing.engineError).toContain('stat /usr/local/bin/migrate: no such file or directory');
    const fixed = await runContainer(scenarioTag('entrypoint-missing'), { entrypoint: ['/app'] });
    expect(fixed.engineError).toBeNull();
    expect(fixed.exitCode).toBe(0);

    // A healthy image whose initContainer command names a binary the image lacks: denied.
    const overridden = new Pod({
      metadata: { name: 'web-2', namespace: 'shop' },
      spec: {
        initContainers: [
          { name: 'migrate', image: images['static-scratch'], command: ['/usr/local/bin/migrate'] },
        ],
        containers: [{ name: 'web', image: images['static-scratch'] }],
      },
    });
    const denied = response(
      await post(webhook, '/validate/deny', review(overridden, POD_KIND, 'pods')),
    );
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toBe(
      `exit139-guard: Pod shop/web-2 would not start: initContainer "migrate" (image ${images['static-scratch']}): ` +
        `EG301 "exec: "/usr/local/bin/migrate": stat /usr/local/bin/migrate: no such file or directory": ` +
        'The entrypoint /usr/local/bin/migrate does not exist in the image',
    );
    expect(denied.status?.message).not.toContain('container "web"');

    // An image whose own ENTRYPOINT is missing, started by the pod with a command it has: allowed.
    const rescued = new Pod({
      metadata: { name: 'web-3', namespace: 'shop' },
      spec: {
        containers: [{ name: 'web', image: images['entrypoint-missing'], command: ['/app'] }],
      },
    });
    const allowed = response(
      await post(webhook, '/validate/deny', review(rescued, POD_KIND, 'pods')),
    );
    expect(allowed).toEqual({ uid: expect.any(String), allowed: true });
  });

  it('warns in warn mode (the config default on /validate)', async () => {
    if (!registry) return;
    const answer = response(
      await post(webhook, '/validate', pod(images['static-scratch'], images['cgo-scratch'])),
    );
    expect(answer.allowed).toBe(true);
    expect(answer.warnings).toHaveLength(1);
    expect(answer.warnings![0]).toMatch(
      new RegExp(
        `^exit139-guard: container "web" \\(image ${images['cgo-scratch'].replace(/[.]/g, '\\.')}\\): EG\\d+ "exec /app: no such file or directory": `,
      ),
    );
    expect(answer.warnings![0].length).toBeLessThanOrEqual(256);
  });

  it('honours the opt-out annotation', async () => {
    if (!registry) return;
    const before = webhook.verdicts.stats().scans;
    const answer = response(
      await post(
        webhook,
        '/validate/deny',
        pod(images['entrypoint-missing'], images['entrypoint-missing'], {
          'exit139-guard.io/skip': 'true',
        }),
      ),
    );
    expect(answer).toEqual({ uid: expect.any(String), allowed: true });
    expect(webhook.verdicts.stats().scans).toBe(before);
  });

  it('checks the pod templates of Deployments and CronJobs', async () => {
    if (!registry) return;
    const deployment = new Deployment({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: podSpec(images['static-scratch'], images['entrypoint-missing']),
        },
      },
    });
    const denied = response(
      await post(
        webhook,
        '/validate/deny',
        review(deployment, { group: 'apps', version: 'v1', kind: 'Deployment' }, 'deployments'),
      ),
    );
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toContain(
      `Deployment shop/web would not start: container "web" (image ${images['entrypoint-missing']}): EG301 "`,
    );
    const cronJob = new CronJob({
      metadata: { name: 'nightly', namespace: 'shop' },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                ...podSpec(images['cgo-scratch'], images['static-scratch']),
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
    });
    const cron = response(
      await post(
        webhook,
        '/validate/deny',
        review(cronJob, { group: 'batch', version: 'v1', kind: 'CronJob' }, 'cronjobs'),
      ),
    );
    expect(cron.allowed).toBe(false);
    expect(cron.status?.message).toContain(
      `CronJob shop/nightly would not start: initContainer "setup"`,
    );
  });

  it('follows the namespace label through deploy/webhook.yaml', async () => {
    if (!registry) return;
    const documents = yaml.loadAll(
      readFileSync(path.join(REPO, 'deploy', 'webhook.yaml'), 'utf8'),
    ) as { kind: string }[];
    // Every manifest is valid against Kubernetes' OpenAPI schema.
    const models: Record<string, (d: never) => { validate(): void }> = {
      Namespace: (d) => new Namespace(d),
      ConfigMap: (d) => new ConfigMap(d),
      Deployment: (d) => new Deployment(d),
      Service: (d) => new Service(d),
      ValidatingWebhookConfiguration: (d) => new ValidatingWebhookConfiguration(d),
    };
    expect(documents.map((d) => d.kind).sort()).toEqual(Object.keys(models).sort());
    for (const document of documents) models[document.kind](document as never).validate();
    const configuration = new ValidatingWebhookConfiguration(
      documents.find((d) => d.kind === 'ValidatingWebhookConfiguration') as never,
    );
    for (const hook of configuration.webhooks!) {
      expect(hook.failurePolicy).toBe('Ignore');
      expect(hook.sideEffects).toBe('None');
      expect(hook.admissionReviewVersions).toEqual(['v1']);
      expect(hook.timeoutSeconds! * 1000).toBeGreaterThan(8000);
      expect(hook.rules!.flatMap((r) => r.resources)).toEqual(
        expect.arrayContaining([
          'pods',
          'deployments',
          'replicasets',
          'statefulsets',
          'daemonsets',
          'jobs',
          'cronjobs',
        ]),
      );
    }
    // The API server's choice: the webhooks whose namespaceSelector matches the labels.
    const matches = (selector: ILabelSelector | undefined, labels: Record<string, string>) =>
      Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
      (selector?.matchExpressions ?? []).length === 0;
    const routed = (labels: Record<string, string>) =>
      configuration
        .webhooks!.filter((h) => matches(h.namespaceSelector, labels))
        .map((h) => h.clientConfig.service!.path!);
    expect(routed({})).toEqual([]);
    expect(routed({ 'exit139-guard.io/mode': 'off' })).toEqual([]);
    const [denyPath] = routed({ 'exit139-guard.io/mode': 'deny', team: 'shop' });
    const [warnPath] = routed({ 'exit139-guard.io/mode': 'warn' });
    const failing = pod(images['static-scratch'], images['cgo-scratch']);
    expect(response(await post(webhook, denyPath, failing)).allowed).toBe(false);
    const warned = response(await post(webhook, warnPath, failing));
    expect(warned.allowed).toBe(true);
    expect(warned.warnings).toHaveLength(1);
    const config = yaml.load(
      (documents.find((d) => d.kind === 'ConfigMap') as unknown as { data: Record<string, string> })
        .data['config.yaml'],
    ) as { budgetMs: number };
    expect(config.budgetMs).toBeLessThan(configuration.webhooks![0].timeoutSeconds! * 1000);
  });
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('admission webhook under load and when registries misbehave', () => {
  it('serves 50 concurrent reviews of one image with one scan; p50/p99 cold and warm', async () => {
    if (!registry) return;
    const before = webhook.verdicts.stats();
    const cold = await Promise.all(
      Array.from({ length: 50 }, () =>
        post(webhook, '/validate/deny', pod(images['static-scratch'], images['cgo-alpine'])),
      ),
    );
    const after = webhook.verdicts.stats();
    // One scan per image of this pod spec (its two containers' images), however many reviews
    // ask; static-scratch's tag was resolved by an earlier review, cgo-alpine's once here.
    expect(after.scans - before.scans).toBe(2);
    expect(after.resolves - before.resolves).toBe(1);
    for (const answer of cold) expect(response(answer).allowed).toBe(false);
    const warm = await Promise.all(
      Array.from({ length: 50 }, () =>
        post(webhook, '/validate/deny', pod(images['static-scratch'], images['cgo-alpine'])),
      ),
    );
    expect(webhook.verdicts.stats().scans).toBe(after.scans);
    for (const answer of warm) expect(response(answer).allowed).toBe(false);
    const sequential: Answer[] = [];
    for (let i = 0; i < 50; i++) {
      sequential.push(
        await post(webhook, '/validate/deny', pod(images['static-scratch'], images['cgo-alpine'])),
      );
    }
    const ms = (answers: Answer[]) => answers.map((a) => a.ms);
    const figures = {
      warmSequentialP50: percentile(ms(sequential), 50),
      warmSequentialP99: percentile(ms(sequential), 99),
      coldP50: percentile(ms(cold), 50),
      coldP99: percentile(ms(cold), 99),
      warmP50: percentile(ms(warm), 50),
      warmP99: percentile(ms(warm), 99),
    };
    process.stderr.write(
      `webhook latency over HTTPS (ms), 50 reviews of one image (cold/warm: at once; warmSequential: one after another): ${JSON.stringify(figures)}\n`,
    );
    expect(figures.warmP99).toBeLessThan(figures.coldP50 + 2000);
    const health = await post(webhook, '/healthz', '', 'GET');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', scans: after.scans });
  });

  it('answers within the budget, allowed with a warning, when the registry stalls', async () => {
    if (!registry) return;
    // A registry that accepts connections and never answers.
    const sockets: net.Socket[] = [];
    const stalling = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => stalling.listen(0, '127.0.0.1', r));
    const stalledImage = `127.0.0.1:${(stalling.address() as AddressInfo).port}/app:1`;
    const quick = await startWebhook({
      config: webhookConfig({ budgetMs: 1500, mode: 'deny' }),
      credentials: { kind: 'none' },
      ...tls,
      host: '127.0.0.1',
      port: 0,
      log: () => {},
    });
    try {
      const answer = await post(quick, '/validate', pod(images['static-scratch'], stalledImage));
      const body = response(answer);
      expect(body.allowed).toBe(true);
      expect(body.warnings).toEqual([
        `exit139-guard: not checked within the 1500 ms budget, allowed: ${stalledImage}`,
      ]);
      expect(answer.ms).toBeGreaterThanOrEqual(1400);
      // The budget, plus the TLS handshake and a loaded machine.
      expect(answer.ms).toBeLessThan(1500 + 2000);
    } finally {
      await quick.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => stalling.close(r));
    }
  });

  it('scans at most `concurrency` images at once; the others wait within the budget', async () => {
    if (!registry) return;
    // A registry that serves a manifest, then never sends the blobs it names.
    const config = Buffer.from('{}');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: `sha256:${createHash('sha256').update(config).digest('hex')}`,
          size: config.length,
        },
        layers: [],
      }),
    );
    const stalled: http.ServerResponse[] = [];
    const slow = http.createServer((req, res) => {
      if (req.url?.includes('/manifests/')) {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end(manifest);
      } else stalled.push(res);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowImage = `127.0.0.1:${(slow.address() as AddressInfo).port}/slow:1`;
    const single = await startWebhook({
      config: webhookConfig({
        budgetMs: 1500,
        mode: 'deny',
        concurrency: 1,
        registry: {
          auth: null,
          insecureLoopback: true,
          requestTimeoutMs: 6000,
          scanTimeoutMs: 60_000,
        },
      }),
      credentials: { kind: 'none' },
      ...tls,
      host: '127.0.0.1',
      port: 0,
      log: () => {},
    });
    try {
      const first = post(single, '/validate', pod(slowImage, slowImage));
      await new Promise((r) => setTimeout(r, 200));
      const second = response(
        await post(single, '/validate', pod(images['cgo-scratch'], images['cgo-scratch'])),
      );
      // The one scan slot is held by the stalled image: the healthy registry's image waits.
      expect(second.allowed).toBe(true);
      expect(second.warnings).toEqual([
        `exit139-guard: not checked within the 1500 ms budget, allowed: ${images['cgo-scratch']}`,
      ]);
      expect(response(await first).warnings).toEqual([
        `exit139-guard: not checked within the 1500 ms budget, allowed: ${slowImage}`,
      ]);
      expect(single.verdicts.stats().scans).toBe(1);
      // Once the stalled scan gives up (6 s without an answer), the waiting one runs and is kept.
      const deadline = Date.now() + 30_000;
      while (single.verdicts.stats().scans < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const third = response(
        await post(single, '/validate', pod(images['cgo-scratch'], images['cgo-scratch'])),
      );
      expect(third.allowed).toBe(false);
      expect(third.status?.message).toContain(
        `initContainer "setup" (image ${images['cgo-scratch']}): EG`,
      );
    } finally {
      await single.close();
      for (const res of stalled) res.destroy();
      await new Promise((r) => slow.close(r));
    }
  });

  it('allows with a warning an image its registry cannot serve', async () => {
    if (!registry) return;
    const missing = `${registry.host}/scenario/nothing-here:1`;
    const body = response(
      await post(webhook, '/validate/deny', pod(images['static-scratch'], missing)),
    );
    expect(body.allowed).toBe(true);
    expect(body.warnings).toEqual([
      `exit139-guard: image "${missing}" not checked: registry ${registry.host}/scenario/nothing-here: manifest 1: not found in the registry (404: manifest unknown)`,
    ]);
  });

  it('answers malformed reviews and unknown kinds clearly', async () => {
    if (!registry) return;
    const notJson = await post(webhook, '/validate', '{"apiVersion": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/^bad AdmissionReview: not JSON: /);
    const v1beta1 = await post(webhook, '/validate', {
      ...pod(images['static-scratch'], images['static-scratch']),
      apiVersion: 'admission.k8s.io/v1beta1',
    });
    expect(v1beta1.status).toBe(400);
    expect(v1beta1.body.error).toBe(
      'bad AdmissionReview: not an AdmissionReview admission.k8s.io/v1 (apiVersion "admission.k8s.io/v1beta1", kind "AdmissionReview")',
    );
    const noUid = pod(images['static-scratch'], images['static-scratch']);
    delete (noUid.request as { uid?: string }).uid;
    expect((await post(webhook, '/validate', noUid)).body.error).toBe(
      'bad AdmissionReview: the AdmissionReview has no request.uid',
    );
    const service = review(
      new Service({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }),
      { group: '', version: 'v1', kind: 'Service' },
      'services',
    );
    const unknown = response(await post(webhook, '/validate/deny', service));
    expect(unknown.allowed).toBe(true);
    expect(unknown.warnings).toEqual([
      'exit139-guard: Service (core/v1) is not checked; it checks Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob',
    ]);
    const noImage = pod(images['static-scratch'], '');
    const brokenPod = response(await post(webhook, '/validate/deny', noImage));
    expect(brokenPod).toEqual({
      uid: expect.any(String),
      allowed: true,
      warnings: ['exit139-guard: not checked: Pod shop/web-1: containers[0] has no image'],
    });
    expect((await post(webhook, '/validate', '', 'GET')).status).toBe(405);
    expect((await post(webhook, '/mutate', '{}')).status).toBe(404);
    const entries = logs.filter((l) => l.msg === 'bad review');
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(logs.find((l) => l.uid === (service.request.uid as string))).toMatchObject({
      kind: 'Service',
      allowed: true,
    });
  });
});

describe('exit139-guard webhook (the command)', () => {
  it('serves /healthz over TLS until SIGTERM, then exits 0', async () => {
    if (!registry) return;
    const bundle = bundleAction();
    const policy = path.join(work, 'policy.yaml');
    writeFileSync(policy, 'mode: deny\nbudgetMs: 2000\nregistry:\n  insecureLoopback: true\n');
    const child = spawn(process.execPath, [
      path.join(bundle, 'cli.js'),
      'webhook',
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      path.join(work, 'tls.crt'),
      '--tls-key',
      path.join(work, 'tls.key'),
      '--config',
      policy,
    ]);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('\n') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const listening = JSON.parse(stdout.split('\n')[0]) as { msg: string; address: string };
    expect(listening.msg).toBe('listening');
    const port = Number(listening.address.split(':').pop());
    const target = { address: { port } } as RunningWebhook;
    const health = await post(target, '/healthz', '', 'GET');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', scans: 0 } });
    const denied = response(
      await post(target, '/validate', pod(images['cgo-scratch'], images['static-scratch'])),
    );
    expect(denied.allowed).toBe(false);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const review = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogEntry)
      .find((entry) => entry.msg === 'review');
    expect(review).toMatchObject({
      level: 'info',
      mode: 'deny',
      kind: 'Pod',
      namespace: 'shop',
      allowed: false,
    });
  });

  it.each([
    [['--listen', ':8443', '--tls-key', 'k'], 'exit139-guard webhook: --tls-cert is required'],
    [
      ['--listen', '8443', '--tls-cert', 'c', '--tls-key', 'k'],
      "--listen '8443': expected HOST:PORT or :PORT (e.g. :8443)",
    ],
    [
      ['--listen', ':8443', '--tls-cert', '/nonexistent.crt', '--tls-key', 'k'],
      'exit139-guard webhook: the TLS certificate /nonexistent.crt: does not exist',
    ],
  ])('refuses %j with one line', async (args, message) => {
    let stderr = '';
    const status = await runCli(['webhook', ...args], {
      stdout: () => {},
      stderr: (t) => (stderr += t),
    });
    expect(status).toBe(2);
    expect(stderr).toContain(message);
  });

  it.each([
    ['mode: block\n', 'mode: must be one of deny, warn, off, not "block"'],
    ['budgetMs: 5s\n', 'budgetMs: expected a whole number ≥ 100, not "5s"'],
    [
      'registry:\n  insecure: true\n',
      "registry: unknown key 'insecure' (known: auth, insecureLoopback, requestTimeoutMs, scanTimeoutMs)",
    ],
    [
      'skipImagePrefixes: registry.k8s.io/\n',
      'skipImagePrefixes: expected a list of non-empty strings',
    ],
    ['mode: [\n', 'not valid YAML'],
  ])('refuses the config %j naming the key', async (text, message) => {
    const file = path.join(work, 'bad-policy.yaml');
    writeFileSync(file, text);
    let stderr = '';
    const status = await runCli(
      ['webhook', '--listen', ':8443', '--tls-cert', 'c', '--tls-key', 'k', '--config', file],
      { stdout: () => {}, stderr: (t) => (stderr += t) },
    );
    expect(status).toBe(2);
    expect(stderr).toContain(`exit139-guard webhook: ${file}: ${message}`);
  });
});
