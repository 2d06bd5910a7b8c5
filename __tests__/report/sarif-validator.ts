/**
 * Runs Microsoft's SARIF multitool on a SARIF file (JSON schema + its default rules, or GitHub's
 * ingestion rules with `--rule-kind Gh`) and returns what it reported, read from its own SARIF
 * log rather than from its console text.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MULTITOOL = path.resolve('node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');

export interface ValidatorMessage {
  ruleId: string;
  level: string;
  text: string;
  /** The SARIF file the message is about. */
  file: string;
}

/** Validates one file or several in one run of the tool (it starts slowly). */
export function validateSarif(
  files: string | string[],
  ruleKind: 'default' | 'Gh',
): ValidatorMessage[] {
  // npm here does not run install scripts, which would set the executable bit.
  chmodSync(MULTITOOL, 0o755);
  const out = path.join(
    mkdtempSync(path.join(os.tmpdir(), 'e139-sarif-validate-')),
    'validation.sarif',
  );
  const args = [
    'validate',
    ...(Array.isArray(files) ? files : [files]),
    '--output',
    out,
    '--log',
    'ForceOverwrite',
    '--level',
    'Error;Warning;Note',
  ];
  if (ruleKind === 'Gh') args.push('--rule-kind', 'Gh');
  execFileSync(MULTITOOL, args, {
    stdio: 'pipe',
    // The multitool echoes every note it finds: with 60+ scenario files that passes 1 MiB, the
    // default, and the call failed with ENOBUFS. The verdict is read from the output file.
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  const log = JSON.parse(readFileSync(out, 'utf8')) as {
    runs: {
      results?: {
        ruleId: string;
        level?: string;
        message: { text?: string; id?: string; arguments?: string[] };
        locations?: { physicalLocation?: { artifactLocation?: { uri?: string } } }[];
      }[];
    }[];
  };
  return log.runs.flatMap((run) =>
    (run.results ?? []).map((result) => ({
      ruleId: result.ruleId,
      level: result.level ?? 'warning',
      file: result.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '',
      text:
        result.message.text ??
        `${result.message.id}: ${(result.message.arguments ?? []).join(' | ')}`,
    })),
  );
}
