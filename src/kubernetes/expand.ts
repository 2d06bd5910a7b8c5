/**
 * Kubernetes' `$(VAR)` expansion of env values, command and args, as the kubelet does it
 * (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go, used by
 * pkg/kubelet/kubelet_pods.go makeEnvironmentVariables and
 * pkg/kubelet/container/helpers.go ExpandContainerCommandAndArgs):
 * - `$(NAME)` is replaced by NAME's value when NAME is defined, else left as written;
 * - `$$` is one `$` (so `$$(NAME)` is the literal `$(NAME)`);
 * - `$` before anything else, and an unterminated `$(`, stay as written.
 * Only the pod's own variables count: the image's ENV is not seen by this expansion. A variable
 * whose value is known only in the cluster (`valueFrom`) is `undefined` in the mapping: the
 * result then says which names it could not decide.
 */

export interface Expansion {
  value: string;
  /** Names referenced whose value only the cluster knows; the value is then not decided. */
  unknown: string[];
  /** Names referenced but not defined: left as written (an `envFrom` may still define them). */
  missing: string[];
}

/** Expands `input`; `vars` maps names to values, or to null for cluster-only values. */
export function expandReferences(
  input: string,
  vars: ReadonlyMap<string, string | null>,
): Expansion {
  let value = '';
  const unknown: string[] = [];
  const notDefined: string[] = [];
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    value += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    if (next === '$') {
      value += '$';
      cursor += 1;
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close === -1) {
        value += '$(';
        cursor += 1;
      } else {
        const name = input.slice(cursor + 2, close);
        const known = vars.get(name);
        if (known === undefined) {
          notDefined.push(name);
          value += `$(${name})`;
        } else if (known === null) {
          unknown.push(name);
          value += `$(${name})`;
        } else value += known;
        cursor = close;
      }
    } else {
      value += `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return { value: value + input.slice(checkpoint), unknown, missing: notDefined };
}

export interface ExpandedEnv {
  /** Each variable's value after expansion, null when only the cluster knows it. */
  values: Map<string, string | null>;
  /** `NAME=value` in order, the later definition of a name winning, for the process. */
  entries: { name: string; value: string | null }[];
}

/**
 * The container's environment as the kubelet builds it: each value expanded against the
 * variables defined before it (a later duplicate replaces the earlier one).
 */
export function expandEnv(env: readonly { name: string; value: string | null }[]): ExpandedEnv {
  const values = new Map<string, string | null>();
  for (const variable of env) {
    if (variable.value === null) {
      values.set(variable.name, null);
      continue;
    }
    const expanded = expandReferences(variable.value, values);
    values.set(variable.name, expanded.unknown.length > 0 ? null : expanded.value);
  }
  const entries = [...values].map(([name, value]) => ({ name, value }));
  return { values, entries };
}
