/**
 * The GitHub Action front end: read the inputs, scan each image, apply the repository's policy
 * and the baseline, then report every way the run allows (SARIF and JSON files, annotations, job
 * summary, sticky PR comment, optional SARIF upload), set the outputs, and gate on `fail-on`.
 * Reporting never decides the verdict and a reporting channel that is not allowed (fork PR, push
 * event) is skipped with a notice, never a failure. The token is only handed to Octokit: it is
 * never logged or written. With `from-report` it scans nothing and posts the comment of a JSON
 * report saved by an earlier run (the fork workflow's `workflow_run` job).
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { applyPolicy, expiredSuppressions, loadPolicy, type GuardConfig } from './config/index.js';
import { InputError } from './errors.js';
import type { Finding, ScanReport } from './findings.js';
import { commentMarker, upsertComment } from './github/comment.js';
import { readRunContext, type RunContext } from './github/context.js';
import { readInputs, type ActionInputs, type ImageInput } from './github/inputs.js';
import {
  MAX_CONFIG_BYTES,
  MAX_DOCKERFILE_BYTES,
  checkOutputPath,
  readInputText,
  writeOutputFile,
  type OutputPathOptions,
} from './input-files.js';
import { readDockerConfig, type CredentialSource } from './image/registry/index.js';
import { uploadSarif } from './github/upload.js';
import { planAnnotations } from './report/annotations.js';
import { markBaseline, readBaseline } from './report/baseline.js';
import { atOrAbove, countFindings, gates, judge } from './report/gate.js';
import { formatJson, formatJsonReports, readJsonReports } from './report/json.js';
import { repositoryRelative } from './report/locate.js';
import {
  COMMENT_MAX_CHARS,
  renderSections,
  SUMMARY_MAX_BYTES,
  type ImageSection,
  type MarkdownOptions,
} from './report/markdown.js';
import { toSarifRuns } from './report/sarif.js';
import { listPlatforms } from './image/open.js';
import { answersPlatform, platformNotInImage } from './image/platform.js';
import { scan, type ScanOptions } from './scan.js';

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

/** One image to scan, with its build facts and how the user named it. */
interface ImageJob {
  /** As the user gave it (reference, or path relative to the workspace). */
  name: string;
  options: ScanOptions;
  /** Workspace-relative Dockerfile path ('' without one), the target and the platform asked. */
  dockerfile: string;
  dockerfileText: string | null;
  target: string;
  platform: string | null;
}

/** A scanned image: its job and its report after policy and baseline. */
interface ImageResult {
  job: ImageJob;
  report: ScanReport;
}

/**
 * The command line's options where messages name them, as the action inputs that set them. Only
 * these exact phrasings: `--platform` also names the Dockerfile's `FROM --platform`, which stays.
 */
const INPUT_OF_FLAG: [RegExp, string][] = [
  [/^--platform\b/, "input 'platform'"],
  [/\ba --build-arg\b/g, "a line of the input 'build-args'"],
  [/\bwith --archive\b/g, "with the input 'image-archive'"],
];

/** An error message with CLI flags named as the action inputs that set them. */
export function inActionTerms(message: string): string {
  return INPUT_OF_FLAG.reduce((text, [flag, input]) => text.replace(flag, input), message);
}

function displayName(given: string, workspace: string): string {
  if (!path.isAbsolute(given)) return given;
  const relative = path.relative(workspace, given);
  return relative.startsWith('..') || path.isAbsolute(relative) ? given : relative;
}

async function jobFor(
  image: ImageInput,
  inputs: ActionInputs,
  dockerfile: { path: string; text: string } | null,
  config: { kernelMinimum: string | null; x86Level: string | null },
): Promise<ImageJob[]> {
  const source: ScanOptions['source'] =
    image.image === null && image.imageArchive === null && inputs.imageRemote !== null
      ? {
          kind: 'registry',
          ref: inputs.imageRemote,
          insecure: inputs.insecureRegistry,
          credentials: registryCredentials(inputs),
        }
      : image.image !== null
        ? {
            kind: 'engine',
            ref: image.image,
            ...(inputs.dockerHost ? { dockerHost: inputs.dockerHost } : {}),
          }
        : { kind: 'archive', path: image.imageArchive! };
  // `platform: all`: every platform of the index, each scanned against its own platform.
  const platforms: (string | null)[] =
    image.platform === 'all' ? await listPlatforms(source) : [image.platform];
  return platforms.map((platform) => ({
    name: image.name,
    dockerfile: dockerfile?.path ?? '',
    dockerfileText: dockerfile?.text ?? null,
    target: image.target ?? '',
    platform,
    options: {
      source,
      // The runner's engine has the builder stages' base images: the exact COPY fix needs them.
      builderImages: inputs.dockerHost ? { dockerHost: inputs.dockerHost } : {},
      ...(platform ? { platform } : {}),
      ...(config.kernelMinimum ? { kernelMinimum: config.kernelMinimum } : {}),
      ...(config.x86Level ? { x86Level: config.x86Level } : {}),
      ...(inputs.confirm
        ? {
            confirm: {
              scope: inputs.confirm,
              ...(inputs.dockerHost ? { dockerHost: inputs.dockerHost } : {}),
            },
          }
        : {}),
      ...(inputs.manifests.length > 0
        ? { manifests: { paths: inputs.manifests, images: inputs.manifestImages } }
        : {}),
      ...(dockerfile
        ? {
            dockerfile: {
              ...dockerfile,
              ...(image.target ? { target: image.target } : {}),
              buildArgs: image.buildArgs,
            },
          }
        : {}),
    },
  }));
}

/** The images to scan: the `images` lines, or the one image of `image`/`image-archive`. */
function imageInputs(inputs: ActionInputs, workspace: string): ImageInput[] {
  if (inputs.images.length > 0) {
    return inputs.images.map((image) =>
      image.dockerfile === null && inputs.dockerfile !== null
        ? { ...image, dockerfile: inputs.dockerfile }
        : image,
    );
  }
  // `image-remote` is neither an engine reference nor a path: both stay null and jobFor reads it.
  const given = inputs.image ?? inputs.imageArchive ?? inputs.imageRemote!;
  return [
    {
      name: displayName(given, workspace),
      image: inputs.image,
      imageArchive: inputs.imageArchive,
      dockerfile: inputs.dockerfile,
      target: inputs.target,
      buildArgs: inputs.buildArgs,
      platform: inputs.platform,
    },
  ];
}

/** Writes a report the inputs name; a path that cannot take it is the input's error, not a crash. */
/** Where the action may keep its reports: the workspace and RUNNER_TEMP, never through a link. */
function outputPlaces(input: string, workspace: string): OutputPathOptions {
  const temp = process.env.RUNNER_TEMP;
  return {
    what: `input '${input}'`,
    within: [workspace, ...(temp ? [temp] : [])],
    withinName: temp ? 'the workspace or RUNNER_TEMP' : 'the workspace',
  };
}

/** `exit139-guard.sarif` → `exit139-guard.json`, beside it. */
function jsonFileFor(sarifFile: string): string {
  const parsed = path.parse(sarifFile);
  return path.join(parsed.dir, `${parsed.ext === '.sarif' ? parsed.name : parsed.base}.json`);
}

/** The config's rule levels with `ignore-rules` switched off, as `rules: {ID: off}` would. */
function withIgnoredRules(config: GuardConfig, ignoreRules: readonly string[]): GuardConfig {
  if (ignoreRules.length === 0) return config;
  const rules = new Map(config.rules);
  for (const id of ignoreRules) rules.set(id, { level: 'off', source: "the input 'ignore-rules'" });
  return { ...config, rules };
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

function sectionsOf(results: readonly ImageResult[]): ImageSection[] {
  return results.map((r) => ({
    report: r.report,
    name: r.job.name,
    ...(r.job.platform ? { platform: r.job.platform } : {}),
    ...(r.job.dockerfileText !== null ? { dockerfileText: r.job.dockerfileText } : {}),
  }));
}

async function writeSummary(sections: ImageSection[], options: MarkdownOptions): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const limit = {
    max: SUMMARY_MAX_BYTES,
    measure: (text: string) => Buffer.byteLength(text, 'utf8'),
  };
  await core.summary.addRaw(renderSections(sections, { ...options, limit })).write();
}

/**
 * Whether the comment mode wants a new comment for these findings: `on-findings` when something
 * at or above `comment-level` is new (not in the baseline), `on-failure` when the check fails.
 * An existing comment is always updated (to "passing" when nothing is left), but with `never`.
 */
function wantsNewComment(
  findings: readonly Finding[],
  inputs: ActionInputs,
  verdict: 'pass' | 'fail',
): boolean {
  switch (inputs.comment) {
    case 'always':
      return true;
    case 'on-failure':
      return verdict === 'fail';
    case 'on-findings':
      return findings.some(
        (f) =>
          gates(f, true) &&
          atOrAbove(f.level, inputs.commentLevel) &&
          !COMMENT_HIDDEN_RULES.includes(f.ruleId),
      );
    case 'never':
      return false;
  }
}

/** Off in the comment by default (still in SARIF and the summary): the hardening summary. */
const COMMENT_HIDDEN_RULES = ['EG501'];

async function postComment(
  sections: ImageSection[],
  key: { dockerfile: string; target: string; platform: string },
  inputs: ActionInputs,
  run: RunContext,
  markdown: MarkdownOptions,
  pullRequest: { number: number; fromFork: boolean } | null,
): Promise<string> {
  if (inputs.comment === 'never') return '';
  if (!pullRequest) {
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
  const marker = commentMarker({
    workflow: inputs.fromReport ? '' : run.workflow,
    job: inputs.fromReport ? '' : run.job,
    ...key,
    category: inputs.category ?? '',
  });
  const body = renderSections(sections, {
    ...markdown,
    marker,
    level: inputs.commentLevel,
    hideRules: COMMENT_HIDDEN_RULES,
    cellItems: 5,
    limit: { max: COMMENT_MAX_CHARS, measure: (t) => t.length },
  });
  const findings = sections.flatMap((s) => s.report.findings);
  const verdict = judge(findings, inputs.failOn, markdown.newOnly ?? false);
  const outcome = await upsertComment(getOctokit(inputs.githubToken), {
    owner: run.owner,
    repo: run.repo,
    issueNumber: pullRequest.number,
    marker,
    body,
    createIfMissing: wantsNewComment(findings, inputs, verdict),
    fromFork: pullRequest.fromFork,
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

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Images scanned at once. One scan of the benchmark's large image peaks near the benchmark's
 * 256 MiB cap (bench/NOTES.md), so large or unknown-size images (engine references, folders,
 * archives over SMALL_ARCHIVE_BYTES) are scanned one at a time; small archives two at a time,
 * which together stay far below one large scan.
 */
const SMALL_ARCHIVE_BYTES = 64 * 1024 * 1024;

function concurrencyFor(jobs: readonly ImageJob[]): number {
  const small = jobs.every((job) => {
    const source = job.options.source;
    if (source.kind !== 'archive') return false;
    try {
      const stats = statSync(source.path);
      return stats.isFile() && stats.size <= SMALL_ARCHIVE_BYTES;
    } catch {
      return false;
    }
  });
  return small ? 2 : 1;
}

function sarifOf(
  results: readonly ImageResult[],
  run: RunContext,
  category: string | null,
): string {
  const log = toSarifRuns(
    results.map((r) => r.report),
    results.map((r) => r.job.platform),
    {
      repositoryRoot: run.workspace,
      cwd: run.workspace,
      ...(category ? { category } : {}),
      ...(run.sha
        ? {
            versionControl: {
              repositoryUri: `${run.serverUrl}/${run.owner}/${run.repo}`,
              revisionId: run.sha,
            },
          }
        : {}),
    },
  );
  return JSON.stringify(log, null, 2) + '\n';
}

async function scanAll(inputs: ActionInputs, run: RunContext): Promise<ImageResult[]> {
  const images = imageInputs(inputs, run.workspace);
  // Each Dockerfile is read once, for its pragmas and for the scan. Findings carry its path
  // relative to the workspace, as the repository names it.
  const dockerfiles = images.map((image) =>
    image.dockerfile
      ? {
          path:
            repositoryRelative(image.dockerfile, { repositoryRoot: run.workspace }) ??
            image.dockerfile,
          text: readDockerfile(image.dockerfile, run.workspace),
        }
      : null,
  );
  // The policy is read first: a bad config fails before any image is read.
  const policies = await Promise.all(
    dockerfiles.map((dockerfile) =>
      loadPolicy({
        config: inputs.configRequired ? inputs.config : null,
        dockerfile,
        cwd: run.workspace,
        within: [run.workspace],
      }),
    ),
  );
  const baseline = inputs.baseline
    ? readBaseline(
        readSavedReport(inputs.baseline, "input 'baseline'", run.workspace),
        "input 'baseline'",
      )
    : null;
  const config = policies[0]!.config;
  const kernelMinimum = inputs.kernelMinimum ?? config.kernelMinimum ?? null;
  const x86Level = inputs.x86Level ?? config.x86Level ?? null;
  const jobs: { job: ImageJob; policy: (typeof policies)[number] }[] = [];
  for (const [i, image] of images.entries()) {
    for (const job of await jobFor(image, inputs, dockerfiles[i]!, { kernelMinimum, x86Level }))
      jobs.push({ job, policy: policies[i]! });
  }
  const reports = await mapConcurrently(
    jobs,
    concurrencyFor(jobs.map((j) => j.job)),
    async ({ job, policy }) => {
      const scanned = await scan(job.options);
      if (job.platform && !answersPlatform(job.platform, scanned.image.platform))
        throw platformNotInImage(job.name, job.platform, scanned.image.platform);
      let report = applyPolicy(
        scanned,
        withIgnoredRules(policy.config, inputs.ignoreRules),
        policy.pragmas,
      );
      report = {
        ...report,
        // The image as the user gave it, never the runner's absolute path.
        image: { ...report.image, ref: job.name },
        findings: report.findings.filter((f) => atOrAbove(f.level, inputs.minLevel)),
      };
      return baseline ? markBaseline(report, baseline) : report;
    },
  );
  for (const report of reports) {
    for (const notice of report.manifests?.notices ?? []) {
      const file = repositoryRelative(notice.path, { repositoryRoot: run.workspace });
      core.notice(`exit139-guard: ${notice.message}`, {
        ...(file ? { file, startLine: notice.line } : {}),
      });
    }
  }
  for (const message of new Set(policies.flatMap((p) => expiredSuppressions(p.config, p.pragmas))))
    core.warning(`exit139-guard: ${message}`);
  if (images.every((image) => image.dockerfile === null)) {
    core.warning(
      "exit139-guard: no Dockerfile at the default path 'Dockerfile': findings cannot be placed on Dockerfile lines. Set the input 'dockerfile'.",
    );
  }
  return jobs.map(({ job }, i) => ({ job, report: reports[i]! }));
}

/** A Dockerfile an input names: a regular file inside the workspace (symlinks resolved first). */
function readDockerfile(file: string, workspace: string): string {
  return readInputText(file, {
    what: "input 'dockerfile'",
    maxBytes: MAX_DOCKERFILE_BYTES,
    within: [workspace],
    withinName: 'the workspace',
  });
}

/**
 * A report an earlier job saved (`baseline`, `from-report`): a regular file inside the workspace
 * or the runner's temp folder, where download-artifact puts it.
 */
function readSavedReport(file: string, what: string, workspace: string): string {
  return readInputText(file, {
    what,
    maxBytes: MAX_CONFIG_BYTES,
    within: [workspace, ...(process.env.RUNNER_TEMP ? [process.env.RUNNER_TEMP] : [])],
    withinName: "the workspace and the runner's temp folder",
  });
}

/** `from-report`: the saved reports, as if just scanned (nothing is scanned or gated again). */
function savedResults(
  file: string,
  workspace: string,
): { results: ImageResult[]; pullRequest: number | null } {
  const saved = readJsonReports(
    readSavedReport(file, "input 'from-report'", workspace),
    `input 'from-report': ${file}`,
  );
  return {
    pullRequest: saved.pullRequest,
    results: saved.reports.map((report) => ({
      report,
      job: {
        name: report.image.ref,
        options: { source: { kind: 'archive', path: report.image.ref } },
        dockerfile: report.dockerfile?.path ?? '',
        dockerfileText: null,
        target: report.dockerfile?.target ?? '',
        platform: report.image.platform,
      },
    })),
  };
}

function runUrl(run: RunContext): string | undefined {
  const id = process.env.GITHUB_RUN_ID;
  return id ? `${run.serverUrl}/${run.owner}/${run.repo}/actions/runs/${id}` : undefined;
}

export async function runAction(): Promise<void> {
  try {
    // Masked before anything else runs: no later message can print the token (nor its
    // upper-cased form, as an "unknown instruction" once did).
    const token = core.getInput('github-token').trim();
    if (token !== '') {
      core.setSecret(token);
      if (token.toUpperCase() !== token) core.setSecret(token.toUpperCase());
    }
    const run = readRunContext();
    const inputs = readInputs(run.workspace);
    const saved = inputs.fromReport ? savedResults(inputs.fromReport, run.workspace) : null;
    const results = saved ? saved.results : await scanAll(inputs, run);
    const newOnly = inputs.baseline !== null && inputs.failOnNewOnly;
    const reports = results.map((r) => r.report);
    const findings = reports.flatMap((r) => r.findings);

    const jsonFile = jsonFileFor(inputs.sarifFile);
    const sarifJson = saved ? '' : sarifOf(results, run, inputs.category);
    if (!saved) {
      const places = outputPlaces('sarif-file', run.workspace);
      // Both places are checked before either is written: a refusal leaves no half of the pair.
      checkOutputPath(inputs.sarifFile, places);
      checkOutputPath(jsonFile, places);
      writeOutputFile(inputs.sarifFile, sarifJson, places);
      writeOutputFile(
        jsonFile,
        reports.length === 1
          ? formatJson(reports[0]!, { pullRequest: run.pullRequest?.number ?? null })
          : formatJsonReports(reports, { pullRequest: run.pullRequest?.number ?? null }),
        places,
      );
      if (inputs.annotations) for (const report of reports) writeAnnotations(report, run.workspace);
    }

    const headSha = run.pullRequest?.headSha ?? run.sha;
    const markdown: MarkdownOptions = {
      repositoryRoot: run.workspace,
      cwd: run.workspace,
      failOn: inputs.failOn,
      newOnly,
      links: { serverUrl: run.serverUrl, repository: `${run.owner}/${run.repo}`, sha: headSha },
      run: { sha: headSha, ...(runUrl(run) ? { url: runUrl(run)! } : {}), time: new Date() },
    };
    const sections = sectionsOf(results);
    if (inputs.summary) await writeSummary(sections, markdown);
    const single = results.length === 1 ? results[0]!.job : null;
    const key = {
      dockerfile: single?.dockerfile ?? '',
      target: single?.target ?? '',
      platform: single ? (single.platform ?? reports[0]!.image.platform) : '',
    };
    const pullRequest = saved
      ? (inputs.pullRequest ?? saved.pullRequest) !== null
        ? { number: (inputs.pullRequest ?? saved.pullRequest)!, fromFork: false }
        : null
      : run.pullRequest;
    // A reporting channel that fails (an API outage) is worth a warning, not a changed verdict.
    const commentUrl = await postComment(sections, key, inputs, run, markdown, pullRequest).catch(
      (error: unknown) => {
        core.warning(`exit139-guard: the pull request comment failed: ${(error as Error).message}`);
        return '';
      },
    );

    if (!saved)
      await upload(sarifJson, inputs, run).catch((error: unknown) => {
        core.warning(`exit139-guard: the SARIF upload failed: ${(error as Error).message}`);
      });

    const counts = countFindings(findings);
    const present = findings.filter(
      (f) => !f.suppression && f.baselineState === 'unchanged',
    ).length;
    // The gate belongs to the scanning run; posting a saved report never fails on its findings.
    const result = saved ? 'pass' : judge(findings, inputs.failOn, newOnly);
    core.setOutput('sarif-file', saved ? '' : inputs.sarifFile);
    core.setOutput('json-file', saved ? inputs.fromReport : jsonFile);
    core.setOutput('findings', counts.errors + counts.warnings + counts.notes);
    core.setOutput('errors', counts.errors);
    core.setOutput('warnings', counts.warnings);
    core.setOutput('new-findings', counts.errors + counts.warnings + counts.notes - present);
    core.setOutput('result', result);
    core.setOutput('comment-url', commentUrl);
    const summaryLine =
      `${counts.errors} error(s), ${counts.warnings} warning(s), ${counts.notes} note(s)` +
      (present > 0 ? `, ${present} already present on the base branch` : '') +
      (counts.suppressed > 0 ? `, ${counts.suppressed} suppressed` : '') +
      (reports.length > 1 ? ` in ${reports.length} images` : '');
    if (result === 'fail') {
      core.setFailed(`exit139-guard: ${summaryLine}; failing at fail-on: ${inputs.failOn}`);
    } else {
      core.info(`exit139-guard: ${summaryLine}; pass at fail-on: ${inputs.failOn}`);
    }
  } catch (error) {
    if (error instanceof InputError) {
      core.setFailed(`exit139-guard: ${inActionTerms(error.message)}`);
      process.exitCode = 2;
      return;
    }
    core.setFailed(
      `exit139-guard: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}
