/**
 * The one sentence every reporter shows for a finding that `scan --confirm` checked by running:
 * "confirmed by running: <what the engine printed>", "contradicted by running: ...", or
 * "inconclusive: emulated on this runner". The text comes from the engine or the image's loader
 * and is already escaped (src/confirm/observe.ts); reporters still apply their own escaping.
 */
import type { Confirmation } from '../findings.js';

export function confirmationLine(c: Confirmation): string {
  if (c.status === 'inconclusive') {
    return c.outcome === 'emulated'
      ? 'inconclusive: emulated on this runner'
      : `inconclusive: ${c.detail}`;
  }
  const verb = c.status === 'confirmed' ? 'confirmed by running' : 'contradicted by running';
  const how = c.method === 'loader' ? " (the image's loader)" : '';
  if (c.outcome === 'exited' && c.status === 'confirmed') {
    return `${verb}: the program ran, then exited with status ${c.exitCode}${c.runtimeError !== null ? `: ${c.runtimeError}` : ''}`;
  }
  if (c.runtimeError !== null) return `${verb}${how}: ${c.runtimeError}`;
  return `${verb}${how}: ${c.outcome === 'started' ? 'started' : c.detail}`;
}
