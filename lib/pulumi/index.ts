/**
 * `oomguard/pulumi`: a Pulumi component that creates a sized Kubernetes Deployment from a runtime and
 * a measured peak, the same object `oomguard generate` prints and the cdk8s constructs synthesize
 * (all three call `sizeContainer` / `buildDeployment` from lib/generate): memory request = limit =
 * ceil_Mi(peak x factor + runtime overhead), the runtime's own ceiling in its env, probes when a port
 * is given, and the annotations the policy pack re-checks.
 *
 * Its props are the cdk8s constructs' ideas (runtime, peakMemory, env as a map, command, args, labels,
 * annotations, cpu) in Pulumi's idioms: quantities as strings, values as `pulumi.Input`s wherever
 * oomguard does not have to read them. Everything is checked at run time (lib/pulumi/args.ts).
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  buildDeployment, isRuntimeId, legacyJvmFor, parseQuantity, RUNTIME_IDS, sizeContainer,
  type EnvEntry, type ProbePaths, type Recommendation, type RuntimeId, type SizingConfig,
} from '../index';
import { checkEnv, checker, checkOptional, checkPeak, checkRuntime, checkStringMap, isPlainObject, UNKNOWN_ARGS, type EnvInput } from './args';

export { SizedDeploymentArgsError } from './args';

/** Runtime ids by name, so a program reads like a cdk8s app: `runtime: Runtime.JVM`. */
export const Runtime = {
  JVM: 'jvm',
  NODE: 'node',
  GO: 'go',
  PYTHON: 'python',
  DOTNET: 'dotnet',
  RUBY: 'ruby',
} as const satisfies Record<string, RuntimeId>;

type Input<T> = pulumi.Input<T>;
type ContainerInput = k8s.types.input.core.v1.Container;
type PodSpecInput = k8s.types.input.core.v1.PodSpec;

export interface SizedDeploymentArgs {
  /** Container image. */
  readonly image: Input<string>;
  /** The container's runtime: `Runtime.JVM` or `'jvm'`, `'node'`, `'go'`, `'python'`, `'dotnet'`, `'ruby'`. */
  readonly runtime: RuntimeId;
  /** Measured peak memory: a Kubernetes quantity (`'700Mi'`) or bytes, e.g. from `oomguard measure`. */
  readonly peakMemory?: string | number;
  /** @deprecated 0.1's name of `peakMemory`; still accepted. */
  readonly peakRss?: string;
  /** Port probed over HTTP and exposed as `http`. @default no port and no probes */
  readonly port?: number;
  /**
   * Environment, as `{ NAME: value }` (like the cdk8s constructs) or `[{ name, value }]`. The runtime's
   * heap variable (JAVA_TOOL_OPTIONS, NODE_OPTIONS, ...) is merged with the generated options, so it
   * must be a plain string; other values may be outputs. @default none
   */
  readonly env?: Readonly<Record<string, Input<string>>> | readonly { readonly name: string; readonly value: Input<string> }[];
  /** @default the image's entrypoint */
  readonly command?: Input<Input<string>[]>;
  /** @default the image's arguments */
  readonly args?: Input<Input<string>[]>;
  /** Added to the Deployment's and the pod template's labels (not to the selector). @default none */
  readonly labels?: Readonly<Record<string, Input<string>>>;
  /** Added to the Deployment's annotations, beside oomguard's own. @default none */
  readonly annotations?: Readonly<Record<string, Input<string>>>;
  /** CPU request and limit as quantities (`'250m'`, `'1'`). @default none: oomguard sizes memory only */
  readonly cpu?: { readonly request?: Input<string>; readonly limit?: Input<string> };
  /** More containers (sidecars) beside the sized one. The policy pack checks them. @default none */
  readonly containers?: readonly ContainerInput[];
  /** Init containers. @default none */
  readonly initContainers?: readonly ContainerInput[];
  /**
   * Pod spec fields to merge (serviceAccountName, volumes, nodeSelector, ...). `containers` and
   * `initContainers` belong in the props of the same names. @default none
   */
  readonly podSpec?: Omit<PodSpecInput, 'containers' | 'initContainers'>;
  /**
   * A JVM without container support (Java 8 before 8u191, Java 9) gets `-Xmx`.
   * @default read from `image` when it is a plain string (as `oomguard generate` does), else false
   */
  readonly legacyJvm?: boolean;
  /** @default `/livez` and `/readyz` */
  readonly probePaths?: ProbePaths;
  /** Factor and runtime overheads. @default DEFAULT_SIZING (factor 1.5, each runtime profile's overhead) */
  readonly sizing?: SizingConfig;
  /** `metadata.name` of the Deployment. @default the component's name */
  readonly name?: string;
  /** @deprecated 0.1's name of `name`. */
  readonly deploymentName?: string;
  /** Name of the sized container. @default the Deployment's name */
  readonly containerName?: string;
  readonly namespace?: Input<string>;
  /** @default 1 */
  readonly replicas?: Input<number>;
}

/** The Pulumi type token of the component. */
export const SIZED_DEPLOYMENT_TYPE = 'oomguard:kubernetes:SizedDeployment';

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringInput = (value: unknown): value is Input<string> => typeof value === 'string' || pulumi.Output.isInstance(value) || value instanceof Promise;

/**
 * A Deployment sized by oomguard. Impossible arguments (an unknown runtime, a peak that is not a
 * Kubernetes quantity, an env of the wrong shape) throw here, at construction, naming the prop,
 * before anything is registered.
 */
export class SizedDeployment extends pulumi.ComponentResource {
  /** The Kubernetes Deployment. */
  public readonly deployment: k8s.apps.v1.Deployment;
  /** Memory limit and request, as a quantity (`1000Mi`). */
  public readonly memory: string;
  /** How the limit was computed (`peak 400Mi × 1.5 + 400Mi JVM overhead = 1000Mi`). */
  public readonly recommendation: Recommendation;

  constructor(name: string, args: SizedDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super() so that nothing is registered for impossible arguments.
    const check = checker(name);
    if (!isPlainObject(args)) check.fail('args', 'an object of props', args);
    for (const key of Object.keys(args)) if (!UNKNOWN_ARGS.has(key)) check.fail(`prop "${key}"`, `one of ${[...UNKNOWN_ARGS].join(', ')}`, key);
    if (!isStringInput(args.image)) check.fail('image', 'a string (or an Output of one)', args.image);
    const runtime = checkRuntime(check, args.runtime);
    if (args.peakMemory === undefined && args.peakRss === undefined) check.fail('peakMemory', 'the measured peak, a Kubernetes quantity such as "700Mi"', undefined);
    const peakBytes = args.peakMemory !== undefined ? checkPeak(check, args.peakMemory, 'peakMemory') : checkPeak(check, args.peakRss, 'peakRss');
    checkOptional(check, 'port', args.port, 'a port number from 1 to 65535', (value) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535);
    const env = checkEnv(check, args.env, isStringInput);
    for (const prop of ['command', 'args'] as const) {
      checkOptional(check, prop, args[prop], 'a list of strings', (value) => pulumi.Output.isInstance(value) || (Array.isArray(value) && value.every(isStringInput)));
    }
    checkStringMap(check, 'labels', args.labels, isStringInput);
    checkStringMap(check, 'annotations', args.annotations, isStringInput);
    if (args.cpu !== undefined) {
      if (!isPlainObject(args.cpu)) check.fail('cpu', 'an object { request?, limit? } of CPU quantities', args.cpu);
      checkStringMap(check, 'cpu', args.cpu, isStringInput);
    }
    for (const prop of ['containers', 'initContainers'] as const) {
      checkOptional(check, prop, args[prop], 'a list of containers', (value) => Array.isArray(value) && value.every(isPlainObject));
    }
    if (args.podSpec !== undefined) {
      if (!isPlainObject(args.podSpec)) check.fail('podSpec', 'an object of pod spec fields', args.podSpec);
      for (const key of ['containers', 'initContainers']) if (key in args.podSpec) check.fail(`podSpec.${key}`, `left out: use the ${key} prop`, (args.podSpec as Record<string, unknown>)[key]);
    }
    checkOptional(check, 'legacyJvm', args.legacyJvm, 'true or false', (value) => typeof value === 'boolean');
    const deploymentName = args.name ?? args.deploymentName ?? name;
    if (!isString(deploymentName)) check.fail('name', 'a string', deploymentName);
    checkOptional(check, 'containerName', args.containerName, 'a string', isString);

    // Heap variables are merged by oomguard, so they must be known now; other values pass through.
    const plain: EnvEntry[] = [];
    const deferred: EnvInput<Input<string>>[] = [];
    for (const entry of env) (isString(entry.value) ? plain.push({ name: entry.name, value: entry.value }) : deferred.push(entry));
    const input = {
      runtime,
      peakBytes,
      env: plain,
      ...(args.sizing ? { sizing: args.sizing } : {}),
      // A plain image string tells the JVM variant, as for `oomguard generate` (an Output is not known until deployment).
      legacyJvm: legacyJvmFor(args.runtime, typeof args.image === 'string' ? args.image : undefined, args.legacyJvm),
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args.probePaths ? { probePaths: args.probePaths } : {}),
    };
    const sized = sizeContainer(input);
    for (const entry of deferred) {
      if (sized.env.some((generated) => generated.name === entry.name)) {
        check.fail(`env.${entry.name}`, `a plain string: oomguard merges the ${runtime} heap options into it`, 'an Output');
      }
    }
    super(SIZED_DEPLOYMENT_TYPE, name, {}, opts);
    this.recommendation = sized.recommendation;
    this.memory = sized.memory;

    // Inputs (the image, outputs in env, namespace...) are put in their places after building, so the
    // rest stays exactly what buildDeployment produces.
    const manifest = buildDeployment({ ...input, name: deploymentName, image: '' }) as unknown as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> } & Record<string, unknown>;
      spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Record<string, unknown>[] } & Record<string, unknown> } } & Record<string, unknown>;
    };
    // Declared order: the user's variables where they were, generated ones after them.
    const envOut: { name: string; value: Input<string> }[] = [...sized.env];
    for (const entry of deferred) envOut.splice(env.findIndex((each) => each.name === entry.name), 0, { name: entry.name, value: entry.value });
    const [generated] = manifest.spec.template.spec.containers;
    const resources = generated.resources as { limits: Record<string, Input<string>>; requests: Record<string, Input<string>> };
    const container: Record<string, unknown> = {
      ...generated,
      name: args.containerName ?? generated.name,
      image: args.image,
      ...(args.command !== undefined ? { command: args.command } : {}),
      ...(args.args !== undefined ? { args: args.args } : {}),
      env: envOut,
      resources: {
        limits: { ...(args.cpu?.limit !== undefined ? { cpu: args.cpu.limit } : {}), ...resources.limits },
        requests: { ...(args.cpu?.request !== undefined ? { cpu: args.cpu.request } : {}), ...resources.requests },
      },
    };
    const labels = { ...args.labels, ...manifest.metadata.labels };
    this.deployment = new k8s.apps.v1.Deployment(name, {
      ...manifest,
      metadata: {
        ...manifest.metadata,
        labels,
        annotations: { ...args.annotations, ...manifest.metadata.annotations },
        ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
      },
      spec: {
        ...manifest.spec,
        ...(args.replicas !== undefined ? { replicas: args.replicas } : {}),
        template: {
          ...manifest.spec.template,
          metadata: { ...manifest.spec.template.metadata, labels: { ...args.labels, ...manifest.spec.template.metadata.labels } },
          spec: {
            ...args.podSpec,
            ...manifest.spec.template.spec,
            ...(args.initContainers ? { initContainers: [...args.initContainers] } : {}),
            containers: [container, ...(args.containers ?? [])],
          },
        },
      },
    } as unknown as k8s.apps.v1.DeploymentArgs, { parent: this });
    this.registerOutputs({ deployment: this.deployment, memory: this.memory });
  }
}
