/**
 * Comparing what the engine and the image's loader showed with what the rules predicted, as one
 * would by hand after the crash: the entrypoint's fate decides the findings about the entrypoint
 * (its file, the objects its load maps, its script interpreter), the loader's answer decides
 * those about other dynamic ELF files. Only rules that predict a start or load failure are
 * confirmable by running; an error-level finding predicts that the process dies.
 */
import type { Confirmation, Finding } from '../findings.js';
import type { ImageView } from '../image/types.js';
import type { ImageLoadReport, LoadSimulation } from '../loader/index.js';
import { confirmedBy, findingRuntimeError } from '../rules/catalog.js';
import type { LoaderAnswer } from './loader.js';
import { diedOnStart, type Observation } from './observe.js';

/** What the confirmation step gathered; read by the EG7xx rules and by `judgeFinding`. */
export interface ConfirmationFacts {
  scope: 'findings' | 'all';
  /** The image's ENTRYPOINT+CMD run; null when the image has none. */
  entrypoint: Observation | null;
  /** Set when a file of the start runs only through a qemu binfmt handler on this runner. */
  emulated: string | null;
  /** Image paths that the entrypoint's start goes through (its file, loader, libraries, script interpreter). */
  entrypointPaths: ReadonlySet<string>;
  /** The entrypoint's own path in the image, when it resolves. */
  entrypointPath: string | null;
  /** Files the loader was asked about, by path. */
  loader: ReadonlyMap<string, LoaderAnswer>;
  /** Files whose machine runs only emulated here (their loader was not asked). */
  emulatedFiles: ReadonlyMap<string, string>;
  /** The findings of the static rules: the predictions. */
  predictions: readonly Finding[];
  durationMs: number;
}

/**
 * Whether the entrypoint's run decides the finding: a rule about the start itself, a file the
 * start goes through, or a file whose predicted error is what the entrypoint printed (a module
 * the program loads itself, e.g. a plugin it dlopens).
 */
export function isEntrypointFinding(finding: Finding, facts: ConfirmationFacts): boolean {
  if (confirmedBy(finding.ruleId) === 'start') return true;
  if (finding.path !== null && facts.entrypointPaths.has(finding.path)) return true;
  const o = facts.entrypoint;
  return o !== null && o.outcome !== 'started' && sameError(finding, [o.runtimeError, ...o.stderr]);
}

/**
 * Whether running the image can tell anything about the finding: a confirmable rule, and about
 * the image's own start (a finding placed on a Kubernetes container is about the command its pod
 * spec gives, which the confirmation does not run).
 */
export function confirmable(finding: Finding): boolean {
  return confirmedBy(finding.ruleId) !== null && finding.manifest === undefined;
}

function predictsDeath(finding: Finding): boolean {
  return finding.level === 'error' && confirmable(finding);
}

/** The error-level findings that say the entrypoint dies on start. */
export function deathPredictions(facts: ConfirmationFacts): Finding[] {
  return facts.predictions.filter((f) => predictsDeath(f) && isEntrypointFinding(f, facts));
}

function confirmation(
  o: Pick<Confirmation, 'status' | 'method' | 'outcome' | 'detail'> & Partial<Confirmation>,
): Confirmation {
  return {
    status: o.status,
    runtimeError: o.runtimeError ?? null,
    exitCode: o.exitCode ?? null,
    signal: o.signal ?? null,
    method: o.method,
    outcome: o.outcome,
    detail: o.detail,
  };
}

/** True when the observed text carries the finding's predicted runtime error (or is carried by it). */
function sameError(finding: Finding, lines: (string | null)[]): boolean {
  const predicted = findingRuntimeError(finding);
  if (predicted === '') return false;
  return lines.some(
    (line) => line !== null && (line.includes(predicted) || predicted.includes(line)),
  );
}

function fromObservation(o: Observation): Partial<Confirmation> {
  return {
    runtimeError: o.runtimeError,
    exitCode: o.exitCode,
    signal: o.signal,
    outcome: o.outcome,
  };
}

/** A file that runs here only through a qemu binfmt handler: running it proves nothing. */
function emulatedVerdict(method: Confirmation['method'], handler: string): Confirmation {
  return confirmation({
    status: 'inconclusive',
    method,
    outcome: 'emulated',
    detail: `emulated on this runner: ${handler}`,
  });
}

function judgeByEntrypoint(finding: Finding, facts: ConfirmationFacts): Confirmation | null {
  const method = 'entrypoint' as const;
  if (facts.emulated !== null) {
    return emulatedVerdict(method, facts.emulated);
  }
  const o = facts.entrypoint;
  if (o === null) return null;
  const seen = fromObservation(o);
  const died = diedOnStart(o.outcome);
  if (predictsDeath(finding)) {
    if (died)
      return confirmation({
        ...seen,
        status: 'confirmed',
        method,
        outcome: o.outcome,
        detail: 'the entrypoint died on start in the engine, as predicted',
      });
    if (o.outcome === 'started')
      return confirmation({
        ...seen,
        status: 'contradicted',
        method,
        outcome: o.outcome,
        detail: 'the entrypoint started in the engine: the predicted error did not happen',
      });
    if (o.outcome === 'exited' && sameError(finding, [o.runtimeError, ...o.stderr])) {
      return confirmation({
        ...seen,
        status: 'confirmed',
        method,
        outcome: o.outcome,
        detail: 'the predicted error was printed and the process exited',
      });
    }
    return confirmation({
      ...seen,
      status: 'inconclusive',
      method,
      outcome: o.outcome,
      detail:
        o.outcome === 'limited'
          ? "killed by the confirmation's memory limit"
          : 'the process ran and exited with its own error, not the predicted one',
    });
  }
  if (died)
    return confirmation({
      ...seen,
      status: 'inconclusive',
      method,
      outcome: o.outcome,
      detail: 'the entrypoint died on start of another cause first',
    });
  return confirmation({
    ...seen,
    status: 'confirmed',
    method,
    outcome: o.outcome,
    detail: 'the entrypoint started in the engine, as this finding allows',
  });
}

function loadProblemsExpected(sim: LoadSimulation | undefined): boolean {
  return (sim?.problems ?? []).some((p) => p.kind !== 'undecided');
}

function judgeByLoader(
  finding: Finding,
  facts: ConfirmationFacts,
  sims: ImageLoadReport['simulations'],
): Confirmation | null {
  const method = 'loader' as const;
  const path = finding.path as string;
  const emulated = facts.emulatedFiles.get(path);
  if (emulated !== undefined) {
    return emulatedVerdict(method, emulated);
  }
  const answer = facts.loader.get(path);
  if (answer === undefined) return null;
  if (answer.unanswered !== null) {
    return confirmation({
      status: 'inconclusive',
      method,
      outcome: 'not-run',
      detail: answer.unanswered,
    });
  }
  const expected = finding.level === 'error' || loadProblemsExpected(sims.get(path));
  const failed = answer.failures.length > 0;
  const runtimeError =
    answer.failures.find((line) => sameError(finding, [line])) ?? answer.failures[0] ?? null;
  if (expected && failed)
    return confirmation({
      status: 'confirmed',
      method,
      outcome: 'loader-failed',
      runtimeError,
      detail: "the image's loader reports the predicted failure",
    });
  if (expected)
    return confirmation({
      status: 'contradicted',
      method,
      outcome: 'started',
      detail: "the image's loader maps every object: the predicted failure did not happen",
    });
  if (failed)
    return confirmation({
      status: 'contradicted',
      method,
      outcome: 'loader-failed',
      runtimeError,
      detail: "the image's loader fails where the simulation loads everything",
    });
  return confirmation({
    status: 'confirmed',
    method,
    outcome: 'started',
    detail: "the image's loader maps every object, as this finding allows",
  });
}

/** The confirmation of one static finding, or null when running cannot tell anything about it. */
export function judgeFinding(
  finding: Finding,
  facts: ConfirmationFacts,
  loads: ImageLoadReport,
): Confirmation | null {
  if (!confirmable(finding)) return null;
  if (isEntrypointFinding(finding, facts)) return judgeByEntrypoint(finding, facts);
  if (finding.path !== null) return judgeByLoader(finding, facts, loads.simulations);
  return null;
}

/** The verdict on the image as a whole: did it start as predicted? */
export function judgeEntrypoint(facts: ConfirmationFacts): Confirmation {
  const method = 'entrypoint' as const;
  if (facts.emulated !== null) {
    return emulatedVerdict(method, facts.emulated);
  }
  const o = facts.entrypoint;
  if (o === null) {
    return confirmation({
      status: 'inconclusive',
      method,
      outcome: 'not-run',
      detail: 'the image has no ENTRYPOINT or CMD to start',
    });
  }
  const seen = fromObservation(o);
  const predicted = deathPredictions(facts);
  const died = diedOnStart(o.outcome);
  if (died) {
    return predicted.length > 0
      ? confirmation({
          ...seen,
          status: 'confirmed',
          method,
          outcome: o.outcome,
          detail: `died on start, as ${predicted
            .map((f) => f.ruleId)
            .filter((v, i, a) => a.indexOf(v) === i)
            .join(', ')} predicted`,
        })
      : confirmation({
          ...seen,
          status: 'contradicted',
          method,
          outcome: o.outcome,
          detail: 'died on start, and no rule predicted it (EG701)',
        });
  }
  if (o.outcome === 'limited') {
    return confirmation({
      ...seen,
      status: 'inconclusive',
      method,
      outcome: o.outcome,
      detail: "killed by the confirmation's memory limit",
    });
  }
  if (predicted.length > 0) {
    if (
      o.outcome === 'exited' &&
      predicted.some((f) => sameError(f, [o.runtimeError, ...o.stderr]))
    ) {
      return confirmation({
        ...seen,
        status: 'confirmed',
        method,
        outcome: o.outcome,
        detail: 'printed the predicted error and exited',
      });
    }
    return o.outcome === 'started'
      ? confirmation({
          ...seen,
          status: 'contradicted',
          method,
          outcome: o.outcome,
          detail: 'started, though an error was predicted (EG702)',
        })
      : confirmation({
          ...seen,
          status: 'inconclusive',
          method,
          outcome: o.outcome,
          detail: 'ran and exited with its own error, not the predicted one',
        });
  }
  return o.outcome === 'started'
    ? confirmation({ ...seen, status: 'confirmed', method, outcome: o.outcome, detail: 'started' })
    : confirmation({
        ...seen,
        status: 'confirmed',
        method,
        outcome: o.outcome,
        detail:
          'started, then exited with its own error (the program ran; it may need its configuration)',
      });
}

/** The image paths the entrypoint's start goes through, from the simulation of its file. */
export function startPaths(
  view: ImageView,
  loads: ImageLoadReport,
  entry: string | null,
  scriptInterpreter: string | null,
): Set<string> {
  const paths = new Set<string>();
  for (const p of [entry, scriptInterpreter]) {
    if (p === null) continue;
    paths.add(p);
    const resolved = view.resolve(p);
    const real = resolved.found ? resolved.path : p;
    paths.add(real);
    const sim = loads.simulations.get(real);
    if (!sim) continue;
    if (sim.interpreter?.path) paths.add(sim.interpreter.path);
    if (sim.interpreter) paths.add(sim.interpreter.requested);
    for (const object of sim.objects) {
      paths.add(object.path);
      paths.add(object.realPath);
    }
  }
  return paths;
}
