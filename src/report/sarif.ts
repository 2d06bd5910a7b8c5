/**
 * SARIF 2.1.0 for GitHub code scanning. Results sit on the Dockerfile line to blame (a path
 * relative to the repository root, never an image path: an image path is not a repository file
 * and a `:` in it reads as a URI scheme), with the image path as a logical location, so alerts
 * appear inline on the pull request. `primaryLocationLineHash` is computed from the rule, the
 * image path and the blamed instruction's text, not from line numbers, so an alert survives
 * unrelated edits above it; `runAutomationDetails.id` comes from the Dockerfile, target and
 * platform and never from the image tag, so a new tag does not orphan the previous alerts.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as sarif from 'sarif';
import type {
  BlameRole,
  DockerfileRange,
  Finding,
  Level,
  RuleMeta,
  ScanReport,
} from '../findings.js';
import { findingRuntimeError, RULE_CATALOG } from '../rules/catalog.js';
import { confirmationLine } from './confirmation.js';
import { INFORMATION_URI, VERSION } from '../version.js';
import { namedTarget, primaryRange, repositoryRelative, type RepositoryPaths } from './locate.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'exit139-guard';
/** The base every repository URI is relative to: the repository root (SARIF §3.14.14). */
const SOURCE_ROOT = 'SRCROOT';

export interface SarifOptions extends RepositoryPaths {
  /** The code-scanning category; empty or absent derives one from Dockerfile, target, platform. */
  category?: string;
  /** The platform the user asked for; default the image's own. */
  platform?: string;
  /** The repository and commit analysed (the action knows them; the CLI usually does not). */
  versionControl?: { repositoryUri: string; revisionId: string; branch?: string };
}

const RELATED_TEXT: Record<BlameRole, string> = {
  placed: 'The instruction that put the file into the image.',
  built: 'The instruction that built the file.',
  from: 'The base image of the stage.',
  entrypoint: 'The ENTRYPOINT or CMD.',
  user: 'The USER the container runs as.',
  platform: 'Where the platform or Go target is declared.',
};

const PROBLEM_SEVERITY: Record<Level, string> = {
  error: 'error',
  warning: 'warning',
  note: 'recommendation',
};

/** The page of a rule in the repository's docs, at this version's tag. */
export function ruleHelpUri(id: string): string {
  return `${INFORMATION_URI}/blob/v${VERSION}/docs/rules/${id}.md`;
}

/**
 * The stable code-scanning category: `exit139-guard/<dockerfile>/<target>/<platform>/`. The
 * trailing `/` ends the category part of `runAutomationDetails.id` (GitHub's "category/run-id").
 */
export function defaultCategory(
  dockerfile: string | null,
  target: string | null,
  platform: string,
): string {
  return `${TOOL_NAME}/${dockerfile ?? '-'}/${target || '-'}/${platform}/`;
}

function helpText(meta: RuleMeta): string {
  const plain = meta.helpMarkdown
    .split('\n')
    .filter((line) => !line.startsWith('```'))
    .map((line) => line.replace(/^## (.*)$/, '$1:'))
    .join('\n');
  return `${meta.fullDescription}\n\n${plain}`;
}

function reportingDescriptor(meta: RuleMeta): sarif.ReportingDescriptor {
  return {
    id: meta.id,
    name: meta.name,
    shortDescription: { text: meta.shortDescription },
    fullDescription: { text: meta.fullDescription },
    help: { text: helpText(meta), markdown: `${meta.fullDescription}\n\n${meta.helpMarkdown}` },
    helpUri: ruleHelpUri(meta.id),
    defaultConfiguration: { level: meta.defaultLevel },
    properties: {
      tags: meta.tags,
      precision: meta.precision,
      'problem.severity': PROBLEM_SEVERITY[meta.defaultLevel],
    },
  };
}

function physicalLocation(
  range: Pick<DockerfileRange, 'path' | 'startLine' | 'endLine'>,
  paths: RepositoryPaths,
): sarif.PhysicalLocation | null {
  const uri = repositoryRelative(range.path, paths);
  if (uri === null) return null;
  return {
    artifactLocation: { uri, uriBaseId: SOURCE_ROOT },
    region: { startLine: range.startLine, endLine: range.endLine },
  };
}

function normalizedInstruction(range: DockerfileRange | null): string {
  return range === null ? '' : range.instruction.replace(/\s+/g, ' ').trim();
}

/** The message without line references, which move with unrelated edits. */
function messageWithoutLines(message: string): string {
  return message.replace(/\blines? \d+(-\d+)?/gi, 'line').replace(/:\d+(-\d+)?\b/g, '');
}

/**
 * The hash GitHub matches alerts by across runs. Two findings of one rule on one file and
 * instruction (e.g. two missing libraries) differ by their message; the `:n` suffix numbers any
 * remaining repeats in report order, as GitHub's own fingerprints do.
 */
function lineHashBase(finding: Finding, range: DockerfileRange | null): string {
  const parts = [
    finding.ruleId,
    finding.path ?? '',
    normalizedInstruction(range),
    messageWithoutLines(finding.message),
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

function resultMessage(finding: Finding): string {
  const parts = [finding.message];
  const runtime = findingRuntimeError(finding);
  if (runtime !== '') parts.push(`At run time: ${runtime.split('\n')[0]}`);
  if (finding.confirmation)
    parts.push(`Run in the engine: ${confirmationLine(finding.confirmation)}`);
  if (finding.evidence.length > 0) parts.push(`Evidence: ${finding.evidence.join('; ')}`);
  return parts.join('\n');
}

function suppressionsOf(finding: Finding): sarif.Suppression[] | undefined {
  const suppression = finding.suppression;
  if (!suppression) return undefined;
  return [
    {
      kind: suppression.kind === 'pragma' ? 'inSource' : 'external',
      status: 'accepted',
      justification: suppression.reason,
      properties: {
        source: suppression.source,
        ...(suppression.expires ? { expires: suppression.expires } : {}),
      },
    },
  ];
}

export function toSarif(report: ScanReport, options: SarifOptions): sarif.Log {
  const rules = RULE_CATALOG.map(reportingDescriptor);
  const ruleIndex = new Map(RULE_CATALOG.map((meta, index) => [meta.id, index]));
  const seenHashes = new Map<string, number>();

  const results: sarif.Result[] = report.findings.map((finding) => {
    const range = primaryRange(finding, report);
    // A finding about a container of a manifest is placed in the YAML file; the Dockerfile line
    // that the image alone would be blamed on becomes its first related location.
    const placed = finding.manifest ?? range;
    const physical = placed ? physicalLocation(placed, options) : null;
    const location: sarif.Location = {
      ...(physical ? { physicalLocation: physical } : {}),
      ...(finding.path !== null
        ? {
            logicalLocations: [
              {
                name: finding.path.split('/').pop() || '/',
                fullyQualifiedName: finding.path,
                kind: 'resource',
              },
            ],
          }
        : {}),
    };
    const related: sarif.Location[] = [];
    const dockerfileRelated =
      finding.manifest && range ? [range, ...finding.related] : finding.related;
    for (const other of dockerfileRelated) {
      const otherPhysical = physicalLocation(other, options);
      if (otherPhysical) {
        related.push({
          id: related.length + 1,
          physicalLocation: otherPhysical,
          message: { text: RELATED_TEXT[other.role] },
        });
      }
    }

    const base = lineHashBase(finding, range);
    const occurrence = (seenHashes.get(base) ?? 0) + 1;
    seenHashes.set(base, occurrence);

    const result: sarif.Result = {
      ruleId: finding.ruleId,
      level: finding.level,
      message: { text: resultMessage(finding) },
      locations: [location],
      partialFingerprints: { primaryLocationLineHash: `${base}:${occurrence}` },
    };
    const index = ruleIndex.get(finding.ruleId);
    if (index !== undefined) result.ruleIndex = index;
    if (related.length > 0) result.relatedLocations = related;
    const suppressions = suppressionsOf(finding);
    if (suppressions) result.suppressions = suppressions;
    if (finding.confirmation) result.properties = { confirmation: finding.confirmation };
    return result;
  });

  const dockerfileUri = report.dockerfile
    ? repositoryRelative(report.dockerfile.path, options)
    : null;
  const platform = options.platform || report.image.platform;
  const category = options.category
    ? options.category.endsWith('/')
      ? options.category
      : `${options.category}/`
    : defaultCategory(dockerfileUri, namedTarget(report.dockerfile?.target), platform);

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        automationDetails: { id: category },
        originalUriBaseIds: {
          [SOURCE_ROOT]: { uri: pathToFileURL(path.resolve(options.repositoryRoot) + '/').href },
        },
        ...(options.versionControl
          ? {
              versionControlProvenance: [
                { ...options.versionControl, mappedTo: { uriBaseId: SOURCE_ROOT } },
              ],
            }
          : {}),
        results,
        columnKind: 'utf16CodeUnits',
        properties: {
          image: {
            ref: report.image.ref,
            id: report.image.id,
            platform: report.image.platform,
            digest: report.image.digest,
          },
          summary: report.summary,
          ...(report.confirmation ? { confirmation: report.confirmation } : {}),
        },
      },
    ],
  };
}
