/**
 * Loads the policy a scan is judged by: the config file (the default name may be absent, a named
 * one may not) and the pragmas of the Dockerfile text the scan reads too. For both front ends.
 */
import path from 'node:path';
import { repositoryRelative } from '../report/locate.js';
import { DEFAULT_CONFIG_FILE, loadConfig, type GuardConfig } from './config.js';
import { parsePragmas, type Pragma } from './pragmas.js';

export interface Policy {
  config: GuardConfig;
  pragmas: Pragma[];
}

export interface PolicySources {
  /** The config file named by the user, or null for `.exit139-guard.yml` in `cwd` (optional). */
  config: string | null;
  /** The Dockerfile whose pragmas apply (its path as the user names it, and its text), or null. */
  dockerfile: { path: string; text: string } | null;
  cwd?: string;
  /** Folders the config file must resolve into (the action's workspace), or null for anywhere. */
  within?: readonly string[] | null;
}

export async function loadPolicy(sources: PolicySources): Promise<Policy> {
  const cwd = sources.cwd ?? process.cwd();
  const configFile = path.resolve(cwd, sources.config ?? DEFAULT_CONFIG_FILE);
  const config = await loadConfig(configFile, {
    required: sources.config !== null,
    // As the user sees it: relative to `cwd` when inside it.
    displayPath: repositoryRelative(configFile, { repositoryRoot: cwd }) ?? configFile,
    within: sources.within ?? null,
  });
  if (sources.dockerfile === null) return { config, pragmas: [] };
  return { config, pragmas: parsePragmas(sources.dockerfile.text, sources.dockerfile.path) };
}
