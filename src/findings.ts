/**
 * The types that flow from the rules to the reporters: what a finding is, what a rule says
 * about itself, and what one scan produced. Rules build these; reporters only format them.
 */

export type Level = 'error' | 'warning' | 'note';

/** Ordered from most to least severe; `never` only exists as a gate (`--fail-on never`). */
export const LEVELS: readonly Level[] = ['error', 'warning', 'note'];

/** Why a Dockerfile line is blamed for a finding. */
export type BlameRole =
  | 'placed' // the COPY/ADD (or RUN) that put the file into the final image
  | 'built' // the RUN that built the file in an earlier stage
  | 'from' // the FROM of the final stage (or of the stage that built the file)
  | 'entrypoint' // ENTRYPOINT or CMD
  | 'user' // USER
  | 'platform'; // the FROM --platform, ARG or ENV that declared the platform or triple

/** A range of Dockerfile lines, 1-based and inclusive, with the instruction's first line as text. */
export interface DockerfileRange {
  path: string;
  startLine: number;
  endLine: number;
  role: BlameRole;
  /** The instruction, shortened to one line, e.g. `COPY --from=build /out/app /app`. */
  instruction: string;
}

/**
 * Where a finding about one container of a Kubernetes manifest is placed: the YAML file's lines
 * of the field that decided (`command`, `securityContext.runAsUser`, ...), or of the container.
 */
export interface ManifestRange {
  path: string;
  startLine: number;
  endLine: number;
  /** `Deployment/api`: the workload's kind and name. */
  workload: string;
  container: string;
  containerKind: 'container' | 'initContainer';
  /** The field of the pod spec the finding is about, e.g. `command`; null for the container. */
  field: string | null;
}

export interface Suppression {
  /** `config` for the config file, `pragma` for an inline `# exit139-guard ignore=` comment. */
  kind: 'config' | 'pragma';
  reason: string;
  /** ISO date (YYYY-MM-DD) after which the suppression no longer applies. */
  expires: string | null;
  /** Where the suppression is written, e.g. `.exit139-guard.yml:12` or `Dockerfile:7`. */
  source: string;
}

export interface Finding {
  ruleId: string;
  level: Level;
  /** The path inside the image, or null for a finding about the image as a whole. */
  path: string | null;
  /** One sentence a user reads first; no trailing evidence. */
  message: string;
  /** Facts behind the finding, one per line, e.g. "needs GLIBC_2.34 from libc.so.6; ...". */
  evidence: string[];
  /** The Dockerfile line to blame first (null when no Dockerfile was given). */
  dockerfile: DockerfileRange | null;
  /** The other lines: the RUN that built the file, the stage's FROM. */
  related: DockerfileRange[];
  /** Set when the config or a pragma suppresses the finding: it is kept, but does not gate. */
  suppression: Suppression | null;
  /**
   * The exact error the container prints on start, when the rule can tell it from the facts
   * (e.g. the real symbol and library); absent when only the rule's generic text applies.
   */
  runtimeError?: string;
  /**
   * Against a baseline report of the base branch (`--baseline`): `unchanged` when the finding was
   * already there (same fingerprint), `new` otherwise; absent without a baseline.
   */
  baselineState?: 'new' | 'unchanged';
  /**
   * Set when the finding is about a container of a Kubernetes manifest (`scan --manifests`): it
   * is placed there, and `dockerfile` becomes a related line. Absent for findings about the image.
   */
  manifest?: ManifestRange;
  /** Set by `scan --confirm`: what running the image in the engine showed about this finding. */
  confirmation?: Confirmation;
  /**
   * For a loader (EG101) or a library (EG103) missing for a file another stage or image made:
   * the COPY lines that bring it and its closure from there (src/fix/), or why there are none. Absent
   * when the file has no builder (copied from the build context) or the engine was not asked.
   */
  libraryClosure?: LibraryClosureFix;
}

/** One file of a library closure: `COPY --from=<from> <source> <destination>/`. */
export interface LibraryCopy {
  /** The path the builder's loader opens the library by (COPY follows a symlink there). */
  source: string;
  /** The folder it goes to in the final image: the same folder as in the builder. */
  destination: string;
}

/**
 * The library closure a builder supplies. `from` is what `COPY --from=` names (a stage's name
 * or index, or an image reference); `image` the image the libraries were found in (the stage's
 * root base image, read from the engine).
 */
export type LibraryClosureFix =
  | {
      kind: 'copy-from';
      from: string;
      image: string;
      /** The COPY that placed the file: the lines go after it. */
      after: DockerfileRange;
      /** In the order the loader maps them. */
      copies: LibraryCopy[];
    }
  | {
      kind: 'unavailable';
      from: string;
      image: string;
      reason: string;
      /** True when the builder's image was read (the reason is about its files, not the engine). */
      builderRead: boolean;
    };

/**
 * What a run in the engine showed (`scan --confirm`, src/confirm/). `confirmed`: the prediction
 * held (the error happened, with `runtimeError` the engine's or the loader's own text; or the
 * image started as predicted); `contradicted`: it did not; `inconclusive`: the run cannot tell
 * (emulated by qemu on this runner, killed by the confirmation's own limits).
 */
export interface Confirmation {
  status: 'confirmed' | 'contradicted' | 'inconclusive';
  /** What the engine or the loader printed, first line, control characters escaped; null if nothing. */
  runtimeError: string | null;
  /** The process's exit status; null when it never started or was still running at the timeout. */
  exitCode: number | null;
  /** `SIGSEGV` etc. when the exit status is 128+N; null otherwise. */
  signal: string | null;
  /** `entrypoint`: the image's own ENTRYPOINT+CMD started; `loader`: the image's ld.so --list. */
  method: 'entrypoint' | 'loader';
  /**
   * How the process ended: `started` (still running at the timeout, or exited 0), `exited` (its
   * own non-zero exit), `refused` (the engine/runtime or the kernel did not start it),
   * `loader-failed` (the dynamic loader stopped it), `crashed` (a signal), `limited` (killed by
   * the confirmation's memory limit), `emulated`, `not-run`.
   */
  outcome:
    | 'started'
    | 'exited'
    | 'refused'
    | 'loader-failed'
    | 'crashed'
    | 'limited'
    | 'emulated'
    | 'not-run';
  /** Why the status is what it is, one sentence. */
  detail: string;
}

/** The report's `confirmation` (present only with `--confirm`). */
export interface ReportConfirmation {
  /** The image's ENTRYPOINT+CMD started in a throwaway container, compared with the prediction. */
  entrypoint: Confirmation & {
    /** The first lines of stderr (at most 10, escaped). */
    stderr: string[];
    durationMs: number;
  };
  /** `findings` (files that findings name) or `all` (every dynamic ELF). */
  scope: 'findings' | 'all';
  /** Files the image's loader was asked about. */
  loaderChecked: number;
  /** Wall time the confirmation added to the scan. */
  durationMs: number;
}

/** What a rule says about itself; SARIF rules, the rule pages and the PR comment use it. */
export interface RuleMeta {
  id: string;
  name: string;
  defaultLevel: Level;
  /** One line: what is wrong, e.g. "ELF interpreter missing from the image". */
  shortDescription: string;
  /** One paragraph: when the rule fires. */
  fullDescription: string;
  /** The exact error a user sees when the container starts, e.g. `exec /app: no such file or directory`. */
  runtimeError: string;
  /** Markdown: why it fails, how to fix it (a Dockerfile change), when it is safe to ignore. */
  helpMarkdown: string;
  tags: string[];
  precision: 'very-high' | 'high' | 'medium' | 'low';
}

export interface ImageIdentity {
  /** The reference or archive path the user gave. */
  ref: string;
  id: string | null;
  /** `os/arch[/variant]` of the image config. */
  platform: string;
  digest: string | null;
}

export interface ScanSummary {
  errors: number;
  warnings: number;
  notes: number;
  /** Regular files (hard links included) of the merged image filesystem. */
  files: number;
  elfFiles: number;
  durationMs: number;
}

/** The `--format json` contract: extend, never rename. */
export interface ScanReport {
  version: 1;
  image: ImageIdentity;
  dockerfile: {
    path: string;
    target: string | null;
    /**
     * The final stage's FROM: where reporters place a finding that has no Dockerfile line of its
     * own (SARIF needs a location on a repository file). Optional so older producers still fit.
     */
    finalFrom?: DockerfileRange | null;
  } | null;
  findings: Finding[];
  summary: ScanSummary;
  /** What `--manifests` read; absent when no manifests were given. */
  manifests?: ManifestsReport;
  /** Present only when the scan ran with `--confirm`. */
  confirmation?: ReportConfirmation;
}

/** The manifests read for a scan, and which of their containers run the scanned image. */
export interface ManifestsReport {
  files: string[];
  /** The containers that run the scanned image, initContainers first within each workload. */
  containers: {
    workload: string;
    container: string;
    containerKind: 'container' | 'initContainer';
    image: string;
    path: string;
    line: number;
  }[];
  /** Documents skipped (kinds without a pod template), as `path:line: message` would print. */
  notices: { path: string; line: number; message: string }[];
}
