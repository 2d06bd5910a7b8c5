/**
 * The opt-in SARIF upload through the code-scanning REST API (gzip, then base64, as the API
 * requires). `github/codeql-action/upload-sarif` remains the recommended path: it also works on
 * fork pull requests, where this endpoint is refused (`security-events: write` is not granted).
 */
import { gzipSync } from 'node:zlib';
import type { getOctokit } from '@actions/github';

type Octokit = ReturnType<typeof getOctokit>;

export type UploadOutcome =
  { uploaded: true; id: string; url: string } | { uploaded: false; reason: string };

export interface UploadOptions {
  owner: string;
  repo: string;
  commitSha: string;
  ref: string;
  sarifJson: string;
  /** file:// URI of the checkout, so the API can relate absolute paths (ours are relative). */
  checkoutUri?: string;
}

export function encodeSarif(sarifJson: string): string {
  return gzipSync(Buffer.from(sarifJson, 'utf8')).toString('base64');
}

export async function uploadSarif(
  octokit: Octokit,
  options: UploadOptions,
): Promise<UploadOutcome> {
  try {
    const { data } = await octokit.rest.codeScanning.uploadSarif({
      owner: options.owner,
      repo: options.repo,
      commit_sha: options.commitSha,
      ref: options.ref,
      sarif: encodeSarif(options.sarifJson),
      tool_name: 'exit139-guard',
      ...(options.checkoutUri ? { checkout_uri: options.checkoutUri } : {}),
    });
    return { uploaded: true, id: data.id ?? '', url: data.url ?? '' };
  } catch (error) {
    const code = (error as { status?: unknown }).status;
    if (code === 403 || code === 404) {
      return {
        uploaded: false,
        reason:
          `the code-scanning API refused the upload (HTTP ${code}): it needs \`security-events: write\`, which fork pull ` +
          'requests do not get, and code scanning enabled for the repository. Use github/codeql-action/upload-sarif instead.',
      };
    }
    throw error;
  }
}
