/**
 * AdmissionReview `admission.k8s.io/v1` as the API server sends it to a validating webhook
 * (k8s.io/api/admission/v1 types.go: AdmissionRequest, AdmissionResponse), and the pod spec of
 * the kinds that make pods: Pod, and the pod templates of Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, Job (`spec.template`) and CronJob (`spec.jobTemplate.spec.template`).
 */
import { InputError } from '../errors.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The fields of AdmissionRequest this webhook reads. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource?: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface PodContainer {
  name: string;
  image: string;
  /** `initContainers` (true) or `containers`. */
  init: boolean;
}

export interface PodWorkload {
  /** `Deployment default/web`. */
  label: string;
  annotations: Record<string, string>;
  containers: PodContainer[];
}

type Json = Record<string, unknown>;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)[key]
    : undefined;
}

/** Where the pod template is in each kind, as a path of fields from the object. */
const TEMPLATE_PATHS: Record<string, { group: string; path: string[] }> = {
  Pod: { group: '', path: [] },
  Deployment: { group: 'apps', path: ['spec', 'template'] },
  ReplicaSet: { group: 'apps', path: ['spec', 'template'] },
  StatefulSet: { group: 'apps', path: ['spec', 'template'] },
  DaemonSet: { group: 'apps', path: ['spec', 'template'] },
  Job: { group: 'batch', path: ['spec', 'template'] },
  CronJob: { group: 'batch', path: ['spec', 'jobTemplate', 'spec', 'template'] },
};

export const SUPPORTED_KINDS = Object.keys(TEMPLATE_PATHS);

/**
 * Checks the shape of a review (the request fields the answer needs). Errors: an InputError
 * saying what is missing; the server answers those with 400.
 */
export function readReview(body: unknown): AdmissionRequest {
  if (
    field(body, 'apiVersion') !== 'admission.k8s.io/v1' ||
    field(body, 'kind') !== 'AdmissionReview'
  ) {
    throw new InputError(
      `not an AdmissionReview admission.k8s.io/v1 (apiVersion ${JSON.stringify(field(body, 'apiVersion'))}, kind ${JSON.stringify(field(body, 'kind'))})`,
    );
  }
  const request = field(body, 'request');
  const uid = field(request, 'uid');
  if (typeof uid !== 'string' || uid === '')
    throw new InputError('the AdmissionReview has no request.uid');
  const kind = field(request, 'kind');
  if (typeof field(kind, 'kind') !== 'string' || typeof field(kind, 'version') !== 'string') {
    throw new InputError(`request ${uid}: request.kind must be {group, version, kind}`);
  }
  const operation = field(request, 'operation');
  if (typeof operation !== 'string')
    throw new InputError(`request ${uid}: request.operation is missing`);
  return request as AdmissionRequest;
}

/**
 * The pod spec's containers and the annotations of the pod (template), or null for a kind
 * that makes no pods. Errors: an InputError naming the field when the object is malformed.
 */
export function podWorkload(request: AdmissionRequest): PodWorkload | null {
  const place = TEMPLATE_PATHS[request.kind.kind];
  if (!place || place.group !== (request.kind.group ?? '')) return null;
  const object = request.object;
  const name =
    (field(field(object, 'metadata'), 'name') as string | undefined) ?? request.name ?? '';
  const label = `${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${name}`;
  let template: unknown = object;
  for (const key of place.path) template = field(template, key);
  const spec = field(template, 'spec');
  if (typeof spec !== 'object' || spec === null) {
    throw new InputError(`${label}: no pod spec at ${[...place.path, 'spec'].join('.') || 'spec'}`);
  }
  const annotations: Record<string, string> = {};
  for (const source of [field(object, 'metadata'), field(template, 'metadata')]) {
    const found = field(source, 'annotations');
    if (typeof found === 'object' && found !== null) {
      for (const [k, v] of Object.entries(found)) if (typeof v === 'string') annotations[k] = v;
    }
  }
  const containers: PodContainer[] = [];
  for (const [key, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    const list = field(spec, key) ?? [];
    if (!Array.isArray(list)) throw new InputError(`${label}: ${key} is not a list`);
    list.forEach((item, i) => {
      const image = field(item, 'image');
      const containerName = field(item, 'name');
      if (typeof image !== 'string' || image === '') {
        throw new InputError(`${label}: ${key}[${i}] has no image`);
      }
      containers.push({
        name: typeof containerName === 'string' ? containerName : `${key}[${i}]`,
        image,
        init,
      });
    });
  }
  return { label, annotations, containers };
}

/** The answer to `request`: `apiVersion`/`kind` of the request, `response.uid` its uid. */
export function reviewResponse(
  uid: string,
  response: Omit<AdmissionResponse, 'uid'>,
): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, ...response },
  };
}
