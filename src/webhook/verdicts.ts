/**
 * Verdicts on images for the webhook: a tag resolved to its digest (shared by concurrent asks,
 * kept `tagTtlSeconds`), the image scanned once per digest (single flight: every review that
 * asks while the scan runs waits for the same scan), verdicts kept in an LRU of `maxEntries`,
 * and at most `concurrency` scans at once. A failed resolve or scan is not kept: the next review
 * tries again.
 */
import { LEVELS, type Finding } from '../findings.js';
import {
  formatReference,
  isLoopback,
  parseReference,
  resolveDigest,
  type CredentialSource,
  type RegistrySourceSpec,
} from '../image/registry/index.js';
import { findingRuntimeError } from '../rules/catalog.js';
import { scan } from '../scan.js';
import type { WebhookConfig } from './config.js';

export interface ImageVerdict {
  /** `domain/path@digest`: what was scanned. */
  scanned: string;
  digest: string;
  /** Findings at or above `failOn`, not suppressed. */
  failures: Finding[];
}

/** What `failures` say for one finding: rule, the error the container prints, the message. */
export function describeFailure(finding: Finding): string {
  const runtime = findingRuntimeError(finding);
  return `${finding.ruleId} ${runtime ? `"${runtime}"` : finding.level}: ${finding.message}`;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface VerdictStats {
  scans: number;
  resolves: number;
  cachedVerdicts: number;
}

export class VerdictService {
  private readonly verdicts = new Map<string, Promise<ImageVerdict>>();
  private readonly tags = new Map<string, { digest: Promise<string>; expires: number }>();
  private readonly scans: Semaphore;
  private scanCount = 0;
  private resolveCount = 0;

  constructor(
    private readonly config: WebhookConfig,
    private readonly credentials: CredentialSource,
  ) {
    this.scans = new Semaphore(config.concurrency);
  }

  stats(): VerdictStats {
    return {
      scans: this.scanCount,
      resolves: this.resolveCount,
      cachedVerdicts: this.verdicts.size,
    };
  }

  private source(ref: string): RegistrySourceSpec {
    const { domain } = parseReference(ref);
    return {
      kind: 'registry',
      ref,
      insecure: this.config.registry.insecureLoopback && isLoopback(domain),
      credentials: this.credentials,
      limits: {
        requestTimeoutMs: this.config.registry.requestTimeoutMs,
        idleTimeoutMs: this.config.registry.requestTimeoutMs,
        totalTimeoutMs: this.config.registry.scanTimeoutMs,
      },
    };
  }

  /** The digest `image` names now; a tag's answer is shared while it is fresh. */
  private digestOf(image: string): Promise<string> {
    const ref = parseReference(image);
    if (ref.digest) return Promise.resolve(ref.digest);
    const key = formatReference(ref);
    const now = Date.now();
    const known = this.tags.get(key);
    if (known && known.expires > now) return known.digest;
    this.resolveCount++;
    const digest = resolveDigest(this.source(key));
    const entry = { digest, expires: now + this.config.cache.tagTtlSeconds * 1000 };
    this.tags.set(key, entry);
    digest.catch(() => {
      if (this.tags.get(key) === entry) this.tags.delete(key);
    });
    while (this.tags.size > this.config.cache.maxEntries) {
      this.tags.delete(this.tags.keys().next().value as string);
    }
    return digest;
  }

  /**
   * The verdict on `image` (a reference as a pod spec writes it). Errors: the registry's
   * InputError (unreachable, login refused, a lying registry), for the caller to turn into a
   * warning.
   */
  async verdict(image: string): Promise<ImageVerdict> {
    const ref = parseReference(image);
    const digest = await this.digestOf(image);
    const scanned = formatReference({ ...ref, tag: null, digest });
    const key = `${scanned} ${this.config.platform ?? ''}`;
    const known = this.verdicts.get(key);
    if (known) {
      // Most recently used last: the oldest is evicted first.
      this.verdicts.delete(key);
      this.verdicts.set(key, known);
      return known;
    }
    const pending = this.scans.run(async () => {
      this.scanCount++;
      const report = await scan({
        source: this.source(scanned),
        ...(this.config.platform ? { platform: this.config.platform } : {}),
      });
      const limit = LEVELS.indexOf(this.config.failOn);
      return {
        scanned,
        digest,
        failures: report.findings.filter(
          (f) => f.suppression === null && LEVELS.indexOf(f.level) <= limit,
        ),
      };
    });
    this.verdicts.set(key, pending);
    pending.catch(() => {
      if (this.verdicts.get(key) === pending) this.verdicts.delete(key);
    });
    while (this.verdicts.size > this.config.cache.maxEntries) {
      this.verdicts.delete(this.verdicts.keys().next().value as string);
    }
    return pending;
  }
}
