/**
 * The validating admission webhook: an HTTPS server the API server calls with an AdmissionReview
 * (`POST /validate`, or `/validate/deny`, `/validate/warn`, `/validate/off` where the webhook
 * configuration names the mode per namespace label), and `GET /healthz`. Every container and
 * initContainer image of a pod (or pod template) is scanned from its registry; images that will
 * not start deny the pod (mode deny) or come back as AdmissionReview warnings (mode warn).
 *
 * It never blocks a cluster: an answer is sent within `budgetMs` whatever the registry does
 * (images not checked by then are allowed, with a warning, and their scans go on to fill the
 * cache), an image that cannot be read is allowed with a warning, and a review that cannot be
 * read gets a 400 (the API server then applies the configuration's failurePolicy: Ignore).
 * Logs are JSON lines, one per review.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { InputError } from '../errors.js';
import { parseReference, formatReference, type CredentialSource } from '../image/registry/index.js';
import {
  podWorkload,
  readReview,
  reviewResponse,
  SUPPORTED_KINDS,
  type AdmissionRequest,
  type AdmissionResponse,
  type PodContainer,
} from './admission.js';
import { MODES, type Mode, type WebhookConfig } from './config.js';
import { describeFailure, VerdictService, type ImageVerdict } from './verdicts.js';

/** The API server sends objects of at most 3 MiB (etcd's request limit), reviews a little more. */
const MAX_REVIEW_BYTES = 4 * 1024 * 1024;
/** Kubernetes truncates longer warnings (AdmissionResponse.warnings). */
const MAX_WARNING_CHARS = 256;

export type LogEntry = Record<string, unknown>;

export interface WebhookOptions {
  config: WebhookConfig;
  credentials: CredentialSource;
  /** PEM certificate chain and key the API server's CA bundle trusts. */
  cert: Buffer;
  key: Buffer;
  host: string;
  port: number;
  /** One structured entry per event (default: a JSON line on stdout). */
  log?: (entry: LogEntry) => void;
}

export interface RunningWebhook {
  address: AddressInfo;
  verdicts: VerdictService;
  close(): Promise<void>;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function containerLabel(c: PodContainer): string {
  return `${c.init ? 'initContainer' : 'container'} "${c.name}"`;
}

type Outcome =
  { kind: 'done'; verdict: ImageVerdict } | { kind: 'error'; message: string } | { kind: 'late' };

/** Decides one review; never throws. */
async function decide(
  request: AdmissionRequest,
  mode: Mode,
  config: WebhookConfig,
  verdicts: VerdictService,
  logged: LogEntry,
): Promise<Omit<AdmissionResponse, 'uid'>> {
  if (mode === 'off' || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) {
    logged.skipped = mode === 'off' ? 'mode off' : `operation ${request.operation}`;
    return { allowed: true };
  }
  let workload;
  try {
    workload = podWorkload(request);
  } catch (err) {
    logged.skipped = (err as Error).message;
    return {
      allowed: true,
      warnings: [
        shorten(`exit139-guard: not checked: ${(err as Error).message}`, MAX_WARNING_CHARS),
      ],
    };
  }
  if (!workload) {
    const { group, version, kind } = request.kind;
    logged.skipped = `kind ${group ? `${group}/` : ''}${version} ${kind}`;
    return {
      allowed: true,
      warnings: [
        `exit139-guard: ${kind} (${group || 'core'}/${version}) is not checked; it checks ${SUPPORTED_KINDS.join(', ')}`,
      ],
    };
  }
  logged.object = workload.label;
  if (workload.annotations[config.optOutAnnotation] === 'true') {
    logged.skipped = `annotation ${config.optOutAnnotation}`;
    return { allowed: true };
  }
  const warnings: string[] = [];
  const checked = workload.containers.filter((c) => {
    let normalised = c.image;
    try {
      normalised = formatReference(parseReference(c.image));
    } catch {
      // A malformed reference is reported by its verdict below.
    }
    return !config.skipImagePrefixes.some((p) => c.image.startsWith(p) || normalised.startsWith(p));
  });
  const images = [...new Set(checked.map((c) => c.image))];
  const outcomes = new Map<string, Outcome>(images.map((i) => [i, { kind: 'late' }]));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(
      images.map(async (image) => {
        try {
          outcomes.set(image, { kind: 'done', verdict: await verdicts.verdict(image) });
        } catch (err) {
          const message =
            err instanceof InputError ? err.message : `internal error: ${String(err)}`;
          outcomes.set(image, { kind: 'error', message });
        }
      }),
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, config.budgetMs))),
  ]);
  clearTimeout(timer);

  const failures: string[] = [];
  const late: string[] = [];
  logged.images = images.map((image) => {
    const outcome = outcomes.get(image) as Outcome;
    if (outcome.kind === 'late') late.push(image);
    if (outcome.kind === 'error') {
      warnings.push(
        shorten(
          `exit139-guard: image "${image}" not checked: ${outcome.message}`,
          MAX_WARNING_CHARS,
        ),
      );
    }
    return {
      image,
      outcome: outcome.kind,
      ...(outcome.kind === 'done'
        ? {
            digest: outcome.verdict.digest,
            failures: outcome.verdict.failures.map((f) => f.ruleId),
          }
        : {}),
      ...(outcome.kind === 'error' ? { error: outcome.message } : {}),
    };
  });
  if (late.length > 0) {
    warnings.push(
      shorten(
        `exit139-guard: not checked within the ${config.budgetMs} ms budget, allowed: ${late.join(', ')}`,
        MAX_WARNING_CHARS,
      ),
    );
  }
  for (const container of checked) {
    const outcome = outcomes.get(container.image) as Outcome;
    if (outcome.kind !== 'done') continue;
    for (const finding of outcome.verdict.failures) {
      failures.push(
        `${containerLabel(container)} (image ${container.image}): ${describeFailure(finding)}`,
      );
    }
  }
  if (failures.length > 0 && mode === 'deny') {
    return {
      allowed: false,
      status: {
        code: 403,
        message: `exit139-guard: ${workload.label} would not start: ${failures.join('; ')}`,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }
  warnings.unshift(...failures.map((f) => shorten(`exit139-guard: ${f}`, MAX_WARNING_CHARS)));
  return { allowed: true, ...(warnings.length > 0 ? { warnings } : {}) };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REVIEW_BYTES) return null;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** Starts the webhook; resolves once it listens. */
export async function startWebhook(options: WebhookOptions): Promise<RunningWebhook> {
  const { config } = options;
  const log =
    options.log ?? ((entry: LogEntry) => process.stdout.write(JSON.stringify(entry) + '\n'));
  const verdicts = new VerdictService(config, options.credentials);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://webhook');
    if (url.pathname === '/healthz') {
      sendJson(res, 200, { status: 'ok', ...verdicts.stats() });
      return;
    }
    const route = /^\/validate(?:\/([a-z]+))?$/.exec(url.pathname);
    if (!route || (route[1] !== undefined && !MODES.includes(route[1] as Mode))) {
      sendJson(res, 404, {
        error: `no such path ${url.pathname}: POST /validate[/${MODES.join('|')}], GET /healthz`,
      });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendJson(res, 405, { error: 'POST an AdmissionReview' });
      return;
    }
    const mode = (route[1] as Mode | undefined) ?? config.mode;
    const started = Date.now();
    const entry: LogEntry = {
      time: new Date(started).toISOString(),
      level: 'info',
      msg: 'review',
      mode,
    };
    const body = await readBody(req);
    if (body === null) {
      sendJson(res, 413, { error: `an AdmissionReview larger than ${MAX_REVIEW_BYTES} bytes` });
      log({ ...entry, level: 'warn', msg: 'review too large' });
      return;
    }
    let request: AdmissionRequest;
    try {
      request = readReview(JSON.parse(body.toString('utf8')));
    } catch (err) {
      const message =
        err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message;
      sendJson(res, 400, { error: `bad AdmissionReview: ${message}` });
      log({ ...entry, level: 'warn', msg: 'bad review', error: message });
      return;
    }
    Object.assign(entry, {
      uid: request.uid,
      kind: request.kind.kind,
      namespace: request.namespace ?? null,
      operation: request.operation,
    });
    const response = await decide(request, mode, config, verdicts, entry);
    sendJson(res, 200, reviewResponse(request.uid, response));
    log({
      ...entry,
      allowed: response.allowed,
      ...(response.warnings ? { warnings: response.warnings.length } : {}),
      ...(response.status ? { message: response.status.message } : {}),
      ms: Date.now() - started,
    });
  };

  const server = https.createServer({ cert: options.cert, key: options.key }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log({
        time: new Date().toISOString(),
        level: 'error',
        msg: 'internal error',
        error: String(err),
      });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  log({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'listening',
    address: `${address.address}:${address.port}`,
  });
  return {
    address,
    verdicts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
