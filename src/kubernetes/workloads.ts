/**
 * The containers of Kubernetes manifests, with the fields that decide how each one starts
 * (command, args, workingDir, env, securityContext) and the line of each field.
 *
 * Where pod templates live (the API's own layout, k8s.io/api):
 * - Pod: `spec`; PodTemplate: `template.spec`.
 * - Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job: `spec.template.spec`.
 * - CronJob: `spec.jobTemplate.spec.template.spec`.
 * - Any other kind (custom resources: Argo Rollouts, Knative Services, operators' CRs): the same
 *   two places, `spec.template` or `spec.jobTemplate`, when they hold a pod spec with containers.
 * - `List` (and `*List`, as `kubectl get -o yaml` prints): every item.
 * Other documents (Service, ConfigMap, ...) hold no containers and are skipped with a notice.
 *
 * Field types are checked as the API server's JSON decoding would: a wrong type makes the
 * manifest unappliable, so it is an InputError naming file and line, never a guess.
 */
import type {
  Container,
  EnvVar,
  PodSecurityContext,
  SecurityContext,
} from 'kubernetes-types/core/v1.js';
import { InputError } from '../errors.js';
import type { LocatedYaml, NodeLines } from './yaml.js';

export type ContainerKind = 'container' | 'initContainer';

/** Where a workload is: its kind, name and document. */
export interface Workload {
  kind: string;
  name: string;
  namespace: string | null;
  file: string;
  /** The line of the document's `kind:` (or its first line). */
  line: number;
}

/** A security setting with where it was written: the container overrides the pod. */
export interface Located<T> {
  value: T;
  line: number;
  from: 'pod' | 'container';
}

/** The pod and container security settings that decide the user, merged as the kubelet does. */
export interface EffectiveSecurityContext {
  runAsUser: Located<number> | null;
  runAsGroup: Located<number> | null;
  runAsNonRoot: Located<boolean> | null;
  /** Pod-level only: supplementalGroups, then fsGroup, as the kubelet hands them to the runtime. */
  supplementalGroups: number[];
}

export interface ManifestEnvVar {
  name: string;
  /** The literal value; null when it comes from `valueFrom` (known only in the cluster). */
  value: string | null;
  line: number;
}

/** One container of a pod template, as the kubelet will start it. */
export interface ManifestContainer {
  workload: Workload;
  kind: ContainerKind;
  name: string;
  image: string;
  /** The line of the container's entry in its list. */
  line: number;
  command: string[] | null;
  args: string[] | null;
  workingDir: string | null;
  env: ManifestEnvVar[];
  /** Whether `envFrom` adds variables this reader cannot see (ConfigMaps, Secrets). */
  envFrom: boolean;
  securityContext: EffectiveSecurityContext;
  /** Lines of the fields, for placing findings: `command`, `args`, `workingDir`, `image`, `env`. */
  fieldLines: Partial<Record<'command' | 'args' | 'workingDir' | 'image' | 'env', number>>;
}

/** A document read but not used, and why; the CLI and the action print these as notices. */
export interface ManifestNotice {
  file: string;
  line: number;
  message: string;
}

export interface ManifestContents {
  containers: ManifestContainer[];
  notices: ManifestNotice[];
}

/** Kinds of the core API that have no pod template: skipped without a notice. */
const KINDS_WITHOUT_PODS = new Set([
  'Namespace',
  'Service',
  'ServiceAccount',
  'ConfigMap',
  'Secret',
  'Ingress',
  'IngressClass',
  'NetworkPolicy',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'StorageClass',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'LimitRange',
  'ResourceQuota',
  'PriorityClass',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'Endpoints',
  'EndpointSlice',
]);

/** Where each workload kind of the core API keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** For custom resources: the places the issue (and common operators) put a pod template. */
const CUSTOM_POD_SPEC_PATHS = [
  ['spec', 'template', 'spec'],
  ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
];

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Reader {
  constructor(
    private readonly yaml: LocatedYaml,
    private readonly fallbackLine: number,
  ) {}

  get file(): string {
    return this.yaml.file;
  }

  lines(value: unknown): NodeLines | undefined {
    return value !== null && typeof value === 'object' ? this.yaml.lines.get(value) : undefined;
  }

  /** The line of `key` in `object`, else the object's line, else the document's. */
  keyLine(object: unknown, key: string): number {
    const lines = this.lines(object);
    return lines?.keys.get(key) ?? lines?.line ?? this.fallbackLine;
  }

  itemLine(list: unknown, index: number): number {
    const lines = this.lines(list);
    return lines?.items[index] ?? lines?.line ?? this.fallbackLine;
  }

  fail(object: unknown, key: string, field: string, expected: string): never {
    throw new InputError(
      `${this.yaml.file}:${this.keyLine(object, key)}: ${field} must be ${expected}, as the Kubernetes API defines it`,
    );
  }

  string(object: JsonObject, key: string, field: string): string | null {
    const value = object[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.fail(object, key, field, 'a string');
    return value;
  }

  strings(object: JsonObject, key: string, field: string): string[] | null {
    const value = object[key];
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      this.fail(object, key, field, 'a list of strings');
    return value as string[];
  }

  integer(object: JsonObject, key: string, field: string): number | null {
    const value = object[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      this.fail(object, key, field, 'an integer');
    return value;
  }

  boolean(object: JsonObject, key: string, field: string): boolean | null {
    const value = object[key];
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    // The API machinery reads YAML 1.1 (gopkg.in/yaml.v2): yes/no/on/off are booleans there.
    if (typeof value === 'string') {
      if (/^(y|Y|yes|Yes|YES|on|On|ON)$/.test(value)) return true;
      if (/^(n|N|no|No|NO|off|Off|OFF)$/.test(value)) return false;
    }
    return this.fail(object, key, field, 'a boolean');
  }

  object(object: JsonObject, key: string, field: string): JsonObject | null {
    const value = object[key];
    if (value === undefined || value === null) return null;
    if (!isObject(value)) this.fail(object, key, field, 'an object');
    return value;
  }
}

function walk(root: JsonObject, path: string[]): JsonObject | null {
  let node: unknown = root;
  for (const key of path) {
    if (!isObject(node)) return null;
    node = node[key];
  }
  return isObject(node) ? node : null;
}

function located<T>(value: T | null, line: number, from: 'pod' | 'container'): Located<T> | null {
  return value === null ? null : { value, line, from };
}

/**
 * The kubelet's DetermineEffectiveSecurityContext (pkg/securitycontext/util.go): the pod's
 * settings, each overridden by the container's when the container sets it.
 */
function effectiveSecurityContext(
  reader: Reader,
  pod: JsonObject | null,
  container: JsonObject | null,
  podPath: string,
  containerPath: string,
): EffectiveSecurityContext {
  const pick = <T>(
    read: (object: JsonObject, key: string, field: string) => T | null,
    key: Extract<
      keyof SecurityContext & keyof PodSecurityContext,
      'runAsUser' | 'runAsGroup' | 'runAsNonRoot'
    >,
  ): Located<T> | null => {
    const own = container
      ? located(
          read.call(reader, container, key, `${containerPath}.${key}`),
          reader.keyLine(container, key),
          'container',
        )
      : null;
    if (own) return own;
    return pod
      ? located(read.call(reader, pod, key, `${podPath}.${key}`), reader.keyLine(pod, key), 'pod')
      : null;
  };
  const groups: number[] = [];
  if (pod) {
    const supplemental = pod.supplementalGroups;
    if (supplemental !== undefined && supplemental !== null) {
      if (!Array.isArray(supplemental) || supplemental.some((g) => !Number.isSafeInteger(g)))
        reader.fail(
          pod,
          'supplementalGroups',
          `${podPath}.supplementalGroups`,
          'a list of integers',
        );
      groups.push(...(supplemental as number[]));
    }
    const fsGroup = reader.integer(pod, 'fsGroup', `${podPath}.fsGroup`);
    if (fsGroup !== null) groups.unshift(fsGroup);
  }
  return {
    runAsUser: pick(reader.integer, 'runAsUser'),
    runAsGroup: pick(reader.integer, 'runAsGroup'),
    runAsNonRoot: pick(reader.boolean, 'runAsNonRoot'),
    supplementalGroups: groups,
  };
}

function readEnv(reader: Reader, container: JsonObject, path: string): ManifestEnvVar[] {
  const list = container.env;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) reader.fail(container, 'env', `${path}.env`, 'a list');
  return (list as unknown[]).map((item, i) => {
    const itemPath = `${path}.env[${i}]`;
    if (!isObject(item))
      throw new InputError(
        `${reader.file}:${reader.itemLine(list, i)}: ${itemPath} must be an object`,
      );
    const name = reader.string(item, 'name', `${itemPath}.name`);
    if (name === null)
      throw new InputError(
        `${reader.file}:${reader.itemLine(list, i)}: ${itemPath}.name is required`,
      );
    const fields: Pick<EnvVar, 'name' | 'value'> = {
      name,
      value: reader.string(item, 'value', `${itemPath}.value`) ?? undefined,
    };
    const fromSource = item.valueFrom !== undefined && item.valueFrom !== null;
    return {
      name: fields.name,
      // An unset value without valueFrom is the empty string (EnvVar.value's default).
      value: fromSource ? null : (fields.value ?? ''),
      line: reader.itemLine(list, i),
    };
  });
}

function readContainers(
  reader: Reader,
  workload: Workload,
  podSpec: JsonObject,
  specPath: string,
): ManifestContainer[] {
  const podSecurity = reader.object(podSpec, 'securityContext', `${specPath}.securityContext`);
  const result: ManifestContainer[] = [];
  // initContainers first: they run (and fail) before any container starts.
  for (const [key, kind] of [
    ['initContainers', 'initContainer'],
    ['containers', 'container'],
  ] as const) {
    const list = podSpec[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) reader.fail(podSpec, key, `${specPath}.${key}`, 'a list');
    (list as unknown[]).forEach((item, i) => {
      const path = `${specPath}.${key}[${i}]`;
      const line = reader.itemLine(list, i);
      if (!isObject(item))
        throw new InputError(`${workload.file}:${line}: ${path} must be an object`);
      const name = reader.string(item, 'name', `${path}.name`);
      if (name === null) throw new InputError(`${workload.file}:${line}: ${path}.name is required`);
      const image = reader.string(item, 'image', `${path}.image`);
      if (image === null) return; // no image: nothing of ours runs here
      const security = reader.object(item, 'securityContext', `${path}.securityContext`);
      const fields: Pick<Container, 'name' | 'image' | 'command' | 'args' | 'workingDir'> = {
        name,
        image,
        command: reader.strings(item, 'command', `${path}.command`) ?? undefined,
        args: reader.strings(item, 'args', `${path}.args`) ?? undefined,
        workingDir: reader.string(item, 'workingDir', `${path}.workingDir`) ?? undefined,
      };
      const fieldLines: ManifestContainer['fieldLines'] = {};
      for (const field of ['command', 'args', 'workingDir', 'image', 'env'] as const)
        if (field in item) fieldLines[field] = reader.keyLine(item, field);
      result.push({
        workload,
        kind,
        name: fields.name,
        image: fields.image!,
        line,
        command: fields.command ?? null,
        args: fields.args ?? null,
        // An empty workingDir is the image's, as the runtime treats it.
        workingDir: fields.workingDir || null,
        env: readEnv(reader, item, path),
        envFrom: Array.isArray(item.envFrom) && item.envFrom.length > 0,
        securityContext: effectiveSecurityContext(
          reader,
          podSecurity,
          security,
          `${specPath}.securityContext`,
          `${path}.securityContext`,
        ),
        fieldLines,
      });
    });
  }
  return result;
}

function podSpecsOf(kind: string, document: JsonObject): { spec: JsonObject; path: string }[] {
  const known = POD_SPEC_PATHS[kind];
  const candidates = known ? [known] : CUSTOM_POD_SPEC_PATHS;
  const found: { spec: JsonObject; path: string }[] = [];
  for (const path of candidates) {
    const spec = walk(document, path);
    if (!spec) continue;
    // A custom resource's `spec.template` may be anything: only a pod spec has containers.
    if (!known && !Array.isArray(spec.containers)) continue;
    found.push({ spec, path: path.join('.') });
  }
  return found;
}

function readDocument(
  yaml: LocatedYaml,
  value: unknown,
  line: number,
  where: string,
  out: ManifestContents,
): void {
  if (!isObject(value)) {
    const shape = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new InputError(
      `${yaml.file}:${line}: ${where} is ${shape}, not a Kubernetes object (a mapping with apiVersion and kind)`,
    );
  }
  const reader = new Reader(yaml, line);
  const kind = value.kind;
  if (typeof kind !== 'string' || kind === '') {
    throw new InputError(
      `${yaml.file}:${reader.keyLine(value, 'kind')}: ${where} has no kind: not a Kubernetes object`,
    );
  }
  const kindLine = reader.keyLine(value, 'kind');
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(value.items))) {
    const items = value.items;
    if (!Array.isArray(items)) reader.fail(value, 'items', `${kind}.items`, 'a list');
    (items as unknown[]).forEach((item, i) =>
      readDocument(yaml, item, reader.itemLine(items, i), `${kind}.items[${i}]`, out),
    );
    return;
  }
  if (KINDS_WITHOUT_PODS.has(kind)) return;
  const metadata = reader.object(value, 'metadata', 'metadata');
  const name =
    (metadata && reader.string(metadata, 'name', 'metadata.name')) ??
    (metadata && reader.string(metadata, 'generateName', 'metadata.generateName')) ??
    '';
  const namespace = metadata ? reader.string(metadata, 'namespace', 'metadata.namespace') : null;
  const workload: Workload = { kind, name, namespace, file: yaml.file, line: kindLine };
  const specs = podSpecsOf(kind, value);
  if (specs.length === 0) {
    const why = POD_SPEC_PATHS[kind]
      ? `it has no pod spec at ${POD_SPEC_PATHS[kind]!.join('.')}`
      : 'a kind this reader does not know, without a pod template at spec.template or spec.jobTemplate';
    out.notices.push({
      file: yaml.file,
      line: kindLine,
      message: `skipped ${kind}/${name}: ${why}`,
    });
    return;
  }
  for (const { spec, path } of specs)
    out.containers.push(...readContainers(reader, workload, spec, path));
}

/** Every container and initContainer of the parsed file, and notices for skipped documents. */
export function readWorkloads(yaml: LocatedYaml): ManifestContents {
  const out: ManifestContents = { containers: [], notices: [] };
  for (const document of yaml.documents)
    readDocument(yaml, document.value, document.line, `document ${document.index + 1}`, out);
  return out;
}

/** `Deployment/api initContainer migrate`: how findings name a container. */
export function containerLabel(container: ManifestContainer): string {
  return `${container.workload.kind}/${container.workload.name} ${container.kind} ${container.name}`;
}
