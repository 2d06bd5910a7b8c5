/**
 * The Dockerfile model: what a multi-stage Dockerfile says about the files of the final image.
 * Produced by `readDockerfile` (src/dockerfile/model.ts); consumed by the rules (EG201, EG202,
 * EG204, EG205, blame locations) and by `exit139-guard stages`.
 *
 * All line numbers are 1-based and inclusive, in the Dockerfile's own numbering.
 */

/** A span of Dockerfile lines (1-based, inclusive). */
export interface Range {
  startLine: number;
  endLine: number;
}

/** `os/arch[/variant]`, e.g. linux/amd64, linux/arm/v7. */
export interface Platform {
  os: string;
  arch: string;
  variant: string;
}

/**
 * One of GOOS / GOARCH / CGO_ENABLED as the Dockerfile (and Go's documented defaults) determine
 * it. `value` is null when a script, Makefile or an unset build-arg decides it: never a guess.
 */
export interface DeclaredValue {
  value: string | null;
  /**
   * Go's default for this value when `value` is null because a script or Makefile decides it
   * (`make build` with nothing set: GOOS would be the stage's platform): an assumption kept
   * beside the declaration, never in it. Null when `value` is set or nothing can be assumed.
   */
  assumed: string | null;
  /** True when nothing sets the value and Go's default applies (the cause of most crashes). */
  implicit: boolean;
  /**
   * Where the value comes from, for people: 'ENV line 5', 'ARG line 3', 'inline on RUN line 9',
   * 'export on RUN line 9', 'xx-go (target platform linux/arm64)', 'Go default: gcc present in
   * golang:1.22 (Debian)', 'Go default: cross-compiling', 'decided by make (line 12)'.
   */
  origin: string;
}

export interface DeclaredTriple {
  GOOS: DeclaredValue;
  GOARCH: DeclaredValue;
  CGO_ENABLED: DeclaredValue;
}

/** Flags of the `go build` / `go install` that produced a file; null when not visible. */
export interface GoBuildFlags {
  /** The -ldflags string after expansion (null when absent). */
  ldflags: string | null;
  /** -tags, split on commas/spaces. */
  tags: string[];
  trimpath: boolean;
  buildmode: string | null;
  /** -linkmode inside -ldflags ('internal' | 'external'), null when absent. */
  linkmode: string | null;
  /** -extldflags inside -ldflags, null when absent. */
  extldflags: string | null;
}

/** How a file reached the final image. */
export type ArtifactSource =
  /** compiled by a go build / go install (or a make/script) in a RUN of some stage */
  | 'built'
  /** copied from the build context (goreleaser, CI output) */
  | 'prebuilt'
  /** fetched by curl/wget/ADD <url> */
  | 'downloaded'
  /** copied from another image (COPY --from=image) or present in a base image */
  | 'image'
  | 'unknown';

/** One hop of a file's journey through the stages. */
export interface ChainStep {
  /** Stage name or index ('context' for the build context, or an image reference). */
  stage: string;
  /** The instruction keyword: RUN, COPY, ADD, FROM. */
  instruction: string;
  range: Range;
  /** The path of the file in that stage after this step. */
  path: string;
}

export interface Artifact {
  /** Absolute path in the final image (a directory path ending with '/' for a whole tree, a
   * glob when the Dockerfile copies one). */
  path: string;
  /** The stage (name, or index as a string) where it was built/placed first; 'context' or an
   * image reference for files that come from outside. */
  stage: string;
  source: ArtifactSource;
  declared: DeclaredTriple;
  flags: GoBuildFlags;
  /** From the origin to the final image, in order. */
  chain: ChainStep[];
  blame: {
    /** The instruction of the final stage that placed the file (COPY/ADD/RUN). */
    placed: Range;
    /** The RUN that built it, when one did. */
    built: Range | null;
    /** The final stage's FROM. */
    from: Range;
  };
  /** COPY/ADD --chmod and --chown of the instruction that placed it (null when absent). */
  chmod: string | null;
  chown: string | null;
  /** What the model could not decide and why (e.g. 'built by make (line 12)'). */
  notes: string[];
}

export interface Stage {
  index: number;
  /** The `AS name` (lower-cased, as BuildKit compares them), or null. */
  name: string | null;
  /** The base after expansion: an image reference, 'scratch', or a stage name/index. */
  from: string;
  /** The parent stage's index when `from` names a stage, otherwise null. */
  fromStage: number | null;
  /** The platform the stage runs on after --platform expansion. */
  platform: string;
  /** True when the stage's platform is pinned by --platform. */
  platformPinned: boolean;
  startLine: number;
  endLine: number;
  /** The FROM instruction's range. */
  fromRange: Range;
}

/** ENTRYPOINT, CMD or USER of the final stage (possibly inherited from a parent stage). */
export interface ConfigInstruction {
  /** exec form: the JSON array; shell form: ['/bin/sh', '-c', text] as Docker stores it. */
  value: string[];
  /** For USER, the expanded user spec; for ENTRYPOINT/CMD the raw text. */
  raw: string;
  form: 'exec' | 'shell';
  range: Range;
}

export type FinalBaseKind =
  | 'scratch'
  | 'distroless-static'
  | 'distroless-base'
  | 'distroless-cc'
  | 'alpine'
  | 'musl'
  | 'debian'
  | 'ubuntu'
  | 'glibc'
  | 'busybox'
  | 'unknown';

export interface DockerfileModel {
  path: string;
  /** The target stage's name (or index as a string when unnamed). */
  target: string;
  /** Target platform, `os/arch[/variant]`. */
  platform: string;
  buildPlatform: string;
  stages: Stage[];
  finalStage: Stage;
  artifacts: Artifact[];
  user: ConfigInstruction | null;
  entrypoint: ConfigInstruction | null;
  cmd: ConfigInstruction | null;
  /** The final stage's root base image (after walking FROM <stage>), e.g. alpine:3.20. */
  finalBase: string;
  /** A hint from the base image's name; the image itself stays the truth. */
  finalBaseKind: FinalBaseKind;
  /** Things the model noticed but could not decide, each with a line. */
  notes: string[];
  /** FROM lines whose variables expand to nothing (see UnresolvedReference). */
  unresolved: UnresolvedReference[];
}

/**
 * What the engine knows of a base image (`docker image inspect`: Config.Env, Config.WorkingDir)
 * and whether a C compiler (`gcc` or `cc`) is on its PATH, which decides Go's CGO_ENABLED
 * default. BuildKit applies the base image's ENV and WORKDIR to the stage the same way
 * (dockerfile2llb: the image config its MetaResolver returns).
 */
export interface BaseImageConfig {
  /** `NAME=value` pairs, as Config.Env lists them. */
  env: string[];
  /** Config.WorkingDir; null or '' when the image sets none. */
  workingDir: string | null;
  /** A C compiler on the image's PATH; null when not known. */
  compiler: boolean | null;
}

/** Looks up a base image by reference (as the FROM line gives it after expansion). */
export type BaseImageLookup = (reference: string) => BaseImageConfig | null;

/**
 * A variable a FROM line uses that no ARG default, --build-arg or automatic platform ARG sets:
 * BuildKit substitutes an empty string (`golang:${GO_VERSION}-alpine` -> `golang:-alpine`),
 * so the build fails or pulls another image (BuildKit's check UndefinedArgInFrom).
 */
export interface UnresolvedReference {
  /** The FROM instruction. */
  range: Range;
  /** The variable names that expand to nothing. */
  names: string[];
  /** The text as written and after expansion. */
  written: string;
  expanded: string;
}

export interface ReadOptions {
  path: string;
  target?: string;
  buildArgs?: Record<string, string>;
  /** Target platform `os/arch[/variant]`; default: the build platform. */
  platform?: string;
  /** The builder's platform; default linux/amd64. */
  buildPlatform?: string;
  /** The engine's view of base images, when it has them (see BaseImageConfig). */
  baseImage?: BaseImageLookup;
}
