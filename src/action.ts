/**
 * The GitHub Action front end: read the inputs, scan, apply the repository's policy, then report
 * every way the run allows (SARIF and JSON files, annotations, job summary, sticky PR comment,
 * optional SARIF upload), set the outputs, and gate on `fail-on`. Reporting never decides the
 * verdict and a reporting channel that is not allowed (fork PR, push event) is skipped with a
 * notice, never a failure. The token is only handed to Octokit: it is never logged or written.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { applyPolicy, expiredSuppressions, loadPolicy } from './config/index.js';
import { InputError } from './errors.js';
import type { ScanReport } from './findings.js';
import { commentMarker, upsertComment } from './github/comment.js';
import { readRunContext, type RunContext } from './github/context.js';
import { readInputs, type ActionInputs } from './github/inputs.js';
import { readDockerConfig, type CredentialSource } from './image/registry/index.js';
import { uploadSarif } from './github/upload.js';
import { planAnnotations } from './report/annotations.js';
import { countFindings, judge } from './report/gate.js';
import { formatJson } from './report/json.js';
import { repositoryRelative } from './report/locate.js';
import {
  COMMENT_MAX_CHARS,
  renderMarkdown,
  SUMMARY_MAX_BYTES,
  type MarkdownOptions,
} from './report/markdown.js';
import { toSarif } from './report/sarif.js';
import { scan, type ImageSourceSpec, type ScanOptions } from './scan.js';

/**
 * The registry login: the inputs' username and password (the password masked in the log), else
 * the Docker config.json that `docker/login-action` wrote, when there is one.
 */
function registryCredentials(inputs: ActionInputs): CredentialSource {
  if (inputs.registryCredentials) {
    core.setSecret(inputs.registryCredentials.password);
    return { kind: 'password', credentials: inputs.registryCredentials };
  }
  const dockerConfig = path.join(
    process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'),
    'config.json',
  );
  return existsSync(dockerConfig)
    ? { kind: 'docker-config', config: readDockerConfig(dockerConfig) }
    : { kind: 'none' };
}

/** What to scan: the image, and the Dockerfile with the target, build args and platform of the build. */
async function scanOptionsFor(inputs: ActionInputs, workspace: string): Promise<ScanOptions> {
  const source: ImageSourceSpec =
    inputs.imageRemote !== null
      ? {
          kind: 'registry',
          ref: inputs.imageRemote,
          insecure: inputs.insecureRegistry,
          credentials: registryCredentials(inputs),
        }
      : inputs.image !== null
        ? {
            kind: 'engine',
            ref: inputs.image,
            ...(inputs.dockerHost ? { dockerHost: inputs.dockerHost } : {}),
          }
        : { kind: 'archive', path: inputs.imageArchive! };
  return {
    source,
    ...(inputs.platform ? { platform: inputs.platform } : {}),
    ...(inputs.confirm
      ? {
          confirm: {
            scope: inputs.confirm,
            ...(inputs.dockerHost ? { dockerHost: inputs.dockerHost } : {}),
          },
        }
      : {}),
    ...(inputs.dockerfile
      ? {
          dockerfile: {
            // Findings carry this path; relative to the workspace, as the repository names it.
            path:
              repositoryRelative(inputs.dockerfile, { repositoryRoot: workspace }) ??
              inputs.dockerfile,
            text: await readFile(inputs.dockerfile, 'utf8'),
            ...(inputs.target ? { target: inputs.target } : {}),
            buildArgs: inputs.buildArgs,
          },
        }
      : {}),
    ...(inputs.manifests.length > 0
      ? { manifests: { paths: inputs.manifests, images: inputs.manifestImages } }
      : {}),
  };
}

function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** `exit139-guard.sarif` → `exit139-guard.json`, beside it. */
function jsonFileFor(sarifFile: string): string {
  const parsed = path.parse(sarifFile);
  return path.join(parsed.dir, `${parsed.ext === '.sarif' ? parsed.name : parsed.base}.json`);
}

function writeAnnotations(report: ScanReport, workspace: string): void {
  for (const annotation of planAnnotations(report, { repositoryRoot: workspace, cwd: workspace })) {
    const write =
      annotation.level === 'error'
        ? core.error
        : annotation.level === 'warning'
          ? core.warning
          : core.notice;
    write(annotation.message, annotation.properties);
  }
}

async function writeSummary(report: ScanReport, options: MarkdownOptions): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const limit = {
    max: SUMMARY_MAX_BYTES,
    measure: (text: string) => Buffer.byteLength(text, 'utf8'),
  };
  await core.summary.addRaw(renderMarkdown(report, { ...options, limit })).write();
}

async function postComment(
  report: ScanReport,
  inputs: ActionInputs,
  run: RunContext,
  markdown: MarkdownOptions,
): Promise<string> {
  if (!inputs.comment) return '';
  if (!run.pullRequest) {
    core.notice(
      `exit139-guard: no pull request comment: this run is a '${run.eventName}' event, not a pull request. ` +
        'The findings are in the job summary and the annotations.',
    );
    return '';
  }
  if (inputs.githubToken === '') {
    core.notice("exit139-guard: no pull request comment: the input 'github-token' is empty.");
    return '';
  }
  const platform = inputs.platform ?? report.image.platform;
  const dockerfile = inputs.dockerfile
    ? (repositoryRelative(inputs.dockerfile, { repositoryRoot: run.workspace }) ?? '')
    : '';
  const marker = commentMarker({
    workflow: run.workflow,
    job: run.job,
    dockerfile,
    target: inputs.target ?? '',
    platform,
    category: inputs.category ?? '',
  });
  const body = renderMarkdown(report, {
    ...markdown,
    marker,
    limit: { max: COMMENT_MAX_CHARS, measure: (t) => t.length },
  });
  const counts = countFindings(report.findings);
  const outcome = await upsertComment(getOctokit(inputs.githubToken), {
    owner: run.owner,
    repo: run.repo,
    issueNumber: run.pullRequest.number,
    marker,
    body,
    createIfMissing: counts.errors + counts.warnings + counts.notes > 0,
    fromFork: run.pullRequest.fromFork,
  });
  if (outcome.action === 'skipped') {
    core.notice(`exit139-guard: ${outcome.reason}`);
    return '';
  }
  core.info(`exit139-guard: ${outcome.action} the pull request comment ${outcome.url}`);
  return outcome.url;
}

async function upload(sarifJson: string, inputs: ActionInputs, run: RunContext): Promise<void> {
  if (!inputs.uploadSarif) return;
  const outcome = await uploadSarif(getOctokit(inputs.githubToken), {
    owner: run.owner,
    repo: run.repo,
    commitSha: run.sha,
    ref: run.ref,
    sarifJson,
    checkoutUri: pathToFileURL(run.workspace).href,
  });
  if (outcome.uploaded) core.info(`exit139-guard: uploaded the SARIF report (${outcome.id})`);
  else core.notice(`exit139-guard: SARIF not uploaded: ${outcome.reason}`);
}

export async function runAction(): Promise<void> {
  try {
    const run = readRunContext();
    const inputs = readInputs(run.workspace);
    const scanOptions = await scanOptionsFor(inputs, run.workspace);
    const { config, pragmas } = await loadPolicy({
      config: inputs.configRequired ? inputs.config : null,
      dockerfile: scanOptions.dockerfile ?? null,
      cwd: run.workspace,
    });
    if (inputs.dockerfile === null) {
      core.warning(
        "exit139-guard: no Dockerfile at the default path 'Dockerfile': findings cannot be placed on Dockerfile lines. Set the input 'dockerfile'.",
      );
    }

    const x86Level = inputs.x86Level ?? config.x86Level;
    if (x86Level !== null) scanOptions.x86Level = x86Level;
    const report = applyPolicy(await scan(scanOptions), config, pragmas);
    for (const message of expiredSuppressions(config, pragmas))
      core.warning(`exit139-guard: ${message}`);
    for (const notice of report.manifests?.notices ?? []) {
      const file = repositoryRelative(notice.path, { repositoryRoot: run.workspace });
      core.notice(`exit139-guard: ${notice.message}`, {
        ...(file ? { file, startLine: notice.line } : {}),
      });
    }

    const paths = { repositoryRoot: run.workspace, cwd: run.workspace };
    const sarifJson =
      JSON.stringify(
        toSarif(report, {
          ...paths,
          ...(inputs.category ? { category: inputs.category } : {}),
          ...(inputs.platform ? { platform: inputs.platform } : {}),
          ...(run.sha
            ? {
                versionControl: {
                  repositoryUri: `${run.serverUrl}/${run.owner}/${run.repo}`,
                  revisionId: run.sha,
                },
              }
            : {}),
        }),
        null,
        2,
      ) + '\n';
    const jsonFile = jsonFileFor(inputs.sarifFile);
    writeFile(inputs.sarifFile, sarifJson);
    writeFile(jsonFile, formatJson(report));

    if (inputs.annotations) writeAnnotations(report, run.workspace);
    const markdown: MarkdownOptions = {
      ...paths,
      failOn: inputs.failOn,
      links: {
        serverUrl: run.serverUrl,
        repository: `${run.owner}/${run.repo}`,
        sha: run.pullRequest?.headSha ?? run.sha,
      },
      ...(inputs.platform ? { platform: inputs.platform } : {}),
    };
    await writeSummary(report, markdown);
    // A reporting channel that fails (an API outage) is worth a warning, not a changed verdict.
    const commentUrl = await postComment(report, inputs, run, markdown).catch((error: unknown) => {
      core.warning(`exit139-guard: the pull request comment failed: ${(error as Error).message}`);
      return '';
    });
    await upload(sarifJson, inputs, run).catch((error: unknown) => {
      core.warning(`exit139-guard: the SARIF upload failed: ${(error as Error).message}`);
    });

    const counts = countFindings(report.findings);
    const result = judge(report.findings, inputs.failOn);
    core.setOutput('sarif-file', inputs.sarifFile);
    core.setOutput('json-file', jsonFile);
    core.setOutput('findings', counts.errors + counts.warnings + counts.notes);
    core.setOutput('errors', counts.errors);
    core.setOutput('warnings', counts.warnings);
    core.setOutput('result', result);
    core.setOutput('comment-url', commentUrl);
    const summaryLine =
      `${counts.errors} error(s), ${counts.warnings} warning(s), ${counts.notes} note(s)` +
      (counts.suppressed > 0 ? `, ${counts.suppressed} suppressed` : '');
    if (result === 'fail') {
      core.setFailed(`exit139-guard: ${summaryLine}; failing at fail-on: ${inputs.failOn}`);
    } else {
      core.info(`exit139-guard: ${summaryLine}; pass at fail-on: ${inputs.failOn}`);
    }
  } catch (error) {
    if (error instanceof InputError) {
      core.setFailed(`exit139-guard: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    core.setFailed(
      `exit139-guard: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}
