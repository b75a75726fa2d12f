/**
 * `remediateResource` for the fixable rules: the edits `oomguard fix` writes into a file (request =
 * limit, the runtime's heap flag for the limit actually set, container support turned on, a limit
 * raised to a declared peak's recommendation) applied to the resource's inputs instead, so a policy
 * set to `enforcementLevel: remediate` changes what `pulumi up` sends, the same way.
 *
 * The engine chains remediations (each policy receives the props the previous one returned), and
 * hands them through the proxy that throws on values unknown during preview: a resource with
 * unknowns where a fix would read is left as it is (the validation reports the "could not check").
 */
import type { ResourceRemediation } from '@pulumi/policy';
import { extractWorkloads, type Edit, type JsonPath, type Workload } from '../../lib';
import type { Linter } from '../../lib/engine/linter';
import type { SizingPolicyConfig } from './config';
import { POD_BEARING_TYPES, manifestOf } from './resources';

type Node = Record<string | number, unknown>;

/** Apply one rule's edits to a plain object (a deep copy of the inputs). */
export function applyEdits(target: Node, edits: readonly Edit[]): void {
  for (const edit of edits) {
    if (edit.op === 'set') {
      let node: Node = target;
      for (const key of edit.path.slice(0, -1)) {
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
        node = node[key] as Node;
      }
      node[edit.path[edit.path.length - 1]] = edit.value;
    } else {
      let container: Node = target;
      for (const key of edit.container) container = container[key] as Node;
      const env = Array.isArray(container.env) ? container.env : (container.env = []);
      (env as unknown[]).push({ name: edit.name, value: edit.value });
    }
  }
}

/**
 * The remediation for one rule: lint the inputs with that rule only and apply every finding's fix.
 * Returns undefined (no change) when nothing is fixable or an input is unknown.
 */
export function remediateWithRule(linterFor: (config: SizingPolicyConfig | undefined) => Linter): ResourceRemediation {
  return (args) => {
    const type = POD_BEARING_TYPES.get(args.type);
    if (!type) return undefined;
    const { manifest, unknowns } = manifestOf(type, args.props);
    if (unknowns.length > 0) return undefined;
    const linter = linterFor(args.getConfig<SizingPolicyConfig>());
    const edits: Edit[] = [];
    for (const workload of extractWorkloads(manifest) as Workload[]) {
      for (const finding of linter.lintWorkload(workload)) if (finding.fix) edits.push(...finding.fix.edits);
    }
    if (edits.length === 0) return undefined;
    const props = manifestOf(type, args.props).manifest as Node;
    applyEdits(props, edits);
    // The type token carries apiVersion and kind; give back only what the program set.
    const given = args.props as Node;
    for (const key of ['apiVersion', 'kind'] as const) if (given[key] === undefined) delete props[key];
    return props;
  };
}

export type { JsonPath };
