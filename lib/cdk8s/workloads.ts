/**
 * Deployments and StatefulSets sized from a measured peak: memory request = limit from the one formula,
 * the runtime's own ceiling merged into the env, and probes. A Deployment with a built-in runtime and
 * default sizing synthesizes exactly the object `oomguard generate` prints (lib/generate/deployment.ts).
 *
 * Built on core ApiObjects rather than cdk8s-plus workloads: cdk8s-plus adds default resources
 * (requests 1000m / 512Mi, limits 1500m / 2048Mi) and a TCP startup probe to containers that do not set
 * them, which would contradict the sizing. For cdk8s-plus workloads, use `addMemorySafeContainer`.
 */
import { buildPrometheusRule, type AlertRuleInput } from '../alerts';
import { ApiObject, Lazy, Names, Size, type ApiObjectMetadata } from 'cdk8s';
import type { Cpu } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { describeBytes } from '../core/quantity';
import type { Recommendation } from '../sizing/formula';
import { ceilingVariable, commandLineOverrides, planContainer, type ContainerPlan } from './plan';
import { Runtime, sizeToBytes } from './runtime';

/** Probe endpoints. Probe timings are lib/generate/probes.ts `PROBE_TIMINGS` (Kubernetes defaults, documented). */
export interface ProbePathsProps {
  /** @default '/livez' */
  readonly liveness?: string;
  /** @default '/readyz' */
  readonly readiness?: string;
  /** Startup probe path, for runtimes that start slowly (the JVM). @default the liveness path */
  readonly startup?: string;
}

export interface MemorySafeWorkloadProps {
  /** The runtime: `Runtime.JVM`, `Runtime.NODE`, `Runtime.GO`, `Runtime.PYTHON`, ... or a custom profile. */
  readonly runtime: Runtime;
  /** Measured peak memory of one replica (`oomguard measure`), for example `Size.mebibytes(400)`. */
  readonly peakMemory: Size;
  /** Container image. */
  readonly image: string;
  /** `metadata.name`. @default a name cdk8s generates from the construct path */
  readonly name?: string;
  /** Extra metadata (namespace, labels, annotations) for the workload. @default none */
  readonly metadata?: ApiObjectMetadata;
  /** @default the `name` prop when given, else 'main' (the cdk8s-plus default) */
  readonly containerName?: string;
  /** Container port, probed over HTTP. @default no port and no probes */
  readonly port?: number;
  /** @default 1 */
  readonly replicas?: number;
  /**
   * Environment variables. Heap options in them are merged with the generated ones: unrelated options
   * stay, options the runtime's ceiling replaces (an old `-Xmx`) are dropped, never duplicated.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's arguments */
  readonly args?: readonly string[];
  /** @default liveness '/livez', readiness '/readyz', startup the liveness path */
  readonly probePaths?: ProbePathsProps;
  /** CPU request and limit (cdk8s-plus `Cpu`). @default none: oomguard sizes memory only */
  readonly cpu?: { readonly request?: Cpu; readonly limit?: Cpu };
  /**
   * Opt in to a prometheus-operator `PrometheusRule` for this workload (docs/alerts.md): warning at 75%
   * and critical at 90% of the generated limit, growth toward the limit, and OOM kills. `true` for the
   * defaults, or the builder's options (ratios, windows, labels, runbook URL).
   * @default false: no alert rules
   */
  readonly alerts?: boolean | Omit<AlertRuleInput, 'name' | 'container' | 'kind' | 'limitBytes' | 'namespace'>;
}

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

function checkProps(where: string, props: MemorySafeWorkloadProps): Runtime {
  const given = props.runtime as unknown;
  const runtime = typeof given === 'string' ? Runtime.of(given) : given;
  if (!(runtime instanceof Runtime)) fail(where, 'runtime must be a Runtime (Runtime.JVM, Runtime.of("go"), Runtime.fromProfile({...}))');
  if (!(props.peakMemory instanceof Size)) fail(where, 'peakMemory must be a cdk8s Size, for example Size.mebibytes(400)');
  const peak = sizeToBytes(props.peakMemory);
  if (!(peak > 0)) fail(where, `peakMemory must be above zero (got ${describeBytes(peak)}): measure it with \`oomguard measure\``);
  if (typeof props.image !== 'string' || props.image.trim() === '') fail(where, 'image must be a non-empty image reference');
  if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 0)) fail(where, `replicas must be a whole number >= 0, got ${props.replicas}`);
  if (props.port !== undefined && (!Number.isInteger(props.port) || props.port < 1 || props.port > 65535)) fail(where, `port must be a whole number from 1 to 65535, got ${props.port}`);
  return runtime;
}

/**
 * What both workload kinds share: the sized container, labels, the workload annotations and the
 * soft checks. Subclasses add their kind's spec.
 */
export abstract class MemorySafeWorkload extends Construct {
  /** The synthesized API object. */
  public readonly apiObject: ApiObject;
  public readonly runtime: Runtime;
  public readonly containerName: string;
  /** The memory limit, which is also the request. */
  public readonly memoryLimit: Size;
  /** How the limit was computed (`peak 400Mi × 1.5 + 400Mi JVM overhead = 1000Mi`). */
  public readonly recommendation: Recommendation;
  /** Labels selecting this workload's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** The PrometheusRule, when the `alerts` prop is set. */
  public readonly alertRules?: ApiObject;
  protected readonly plan: ContainerPlan;

  protected constructor(scope: Construct, id: string, kind: 'Deployment' | 'StatefulSet', props: MemorySafeWorkloadProps) {
    super(scope, id);
    const where = `${kind} ${this.node.path}`;
    this.runtime = checkProps(where, props);
    const peakBytes = sizeToBytes(props.peakMemory);
    const env = Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value }));
    this.plan = planContainer({
      runtime: this.runtime,
      peakBytes,
      env,
      image: props.image,
      ...(props.port !== undefined ? { port: props.port } : {}),
      ...(props.probePaths ? { probePaths: props.probePaths } : {}),
    });
    this.recommendation = this.plan.recommendation;
    this.memoryLimit = Size.mebibytes(this.plan.recommendation.limitBytes / 1024 / 1024);

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind,
      metadata: {
        ...props.metadata,
        ...(props.name !== undefined ? { name: props.name } : {}),
        annotations: { ...props.metadata?.annotations, ...this.plan.annotations },
      },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });
    const name = this.apiObject.name;
    this.containerName = props.containerName ?? props.name ?? 'main';
    // Label values are at most 63 characters; object names up to 253.
    this.selectorLabels = { 'app.kubernetes.io/name': name.length <= 63 ? name : Names.toLabelValue(this) };
    for (const [key, value] of Object.entries(this.selectorLabels)) this.apiObject.metadata.addLabel(key, value);

    const container = this.containerSpec(props);
    this.renderSpec = () => this.workloadSpec(props, name, container);

    if (props.alerts) {
      const options = props.alerts === true ? {} : props.alerts;
      const rule = buildPrometheusRule({
        ...options,
        name,
        container: this.containerName,
        kind,
        limitBytes: this.recommendation.limitBytes,
        ...(props.metadata?.namespace !== undefined ? { namespace: props.metadata.namespace } : {}),
      });
      this.alertRules = new ApiObject(this, 'MemoryAlerts', { apiVersion: rule.apiVersion, kind: rule.kind, metadata: rule.metadata, spec: rule.spec });
    }

    // Softer problems fail `app.synth()` through validation, with the container and numbers named.
    const overrides = commandLineOverrides(this.runtime, props.command, props.args, props.image);
    if (overrides.length > 0) {
      const generated = ceilingVariable(this.runtime, this.recommendation.limitBytes);
      this.node.addValidation({
        validate: () => [
          `container "${this.containerName}": ${overrides.join(', ')} on the command line overrides the generated ${generated} ` +
            `for the ${describeBytes(this.recommendation.limitBytes)} limit (${this.recommendation.explanation}); remove it and let oomguard set the heap`,
        ],
      });
    }
    if (props.probePaths && props.port === undefined) {
      this.node.addValidation({
        validate: () => [`container "${this.containerName}": probePaths are set but no port is, so no probes are generated; set port`],
      });
    }
  }

  private renderSpec: () => Record<string, unknown> = () => ({});

  protected abstract workloadSpec(props: MemorySafeWorkloadProps, name: string, container: Record<string, unknown>): Record<string, unknown>;

  /** The pod template both kinds use. */
  protected podTemplate(container: Record<string, unknown>): Record<string, unknown> {
    return { metadata: { labels: { ...this.selectorLabels } }, spec: { containers: [container] } };
  }

  private containerSpec(props: MemorySafeWorkloadProps): Record<string, unknown> {
    const plan = this.plan;
    const cpuLimits = props.cpu?.limit ? { cpu: props.cpu.limit.amount } : {};
    const cpuRequests = props.cpu?.request ? { cpu: props.cpu.request.amount } : {};
    return {
      name: this.containerName,
      image: props.image,
      ...(props.command ? { command: [...props.command] } : {}),
      ...(props.args ? { args: [...props.args] } : {}),
      ...(props.port !== undefined ? { ports: [{ name: 'http', containerPort: props.port }] } : {}),
      ...(plan.env.length > 0 ? { env: plan.env.map((entry) => ({ ...entry })) } : {}),
      resources: { limits: { memory: plan.memory, ...cpuLimits }, requests: { memory: plan.memory, ...cpuRequests } },
      ...(plan.probes ?? {}),
    };
  }
}

export interface MemorySafeDeploymentProps extends MemorySafeWorkloadProps {}

/**
 * A Deployment whose memory request equals its limit, computed from a measured peak, whose runtime
 * knows its ceiling, and which carries probes.
 *
 * @example
 * new MemorySafeDeployment(chart, 'checkout', {
 *   name: 'checkout', image: 'eclipse-temurin:21-jre', runtime: Runtime.JVM,
 *   peakMemory: Size.mebibytes(400), port: 8080,
 * });
 */
export class MemorySafeDeployment extends MemorySafeWorkload {
  constructor(scope: Construct, id: string, props: MemorySafeDeploymentProps) {
    super(scope, id, 'Deployment', props);
  }

  protected workloadSpec(props: MemorySafeWorkloadProps, _name: string, container: Record<string, unknown>): Record<string, unknown> {
    return {
      replicas: props.replicas ?? 1,
      selector: { matchLabels: { ...this.selectorLabels } },
      template: this.podTemplate(container),
    };
  }
}

export interface MemorySafeStatefulSetProps extends MemorySafeWorkloadProps {
  /**
   * The governing Service (`spec.serviceName`).
   * @default a headless Service with the StatefulSet's name is created
   */
  readonly serviceName?: string;
}

/** A StatefulSet sized like `MemorySafeDeployment`, with a headless governing Service unless one is named. */
export class MemorySafeStatefulSet extends MemorySafeWorkload {
  /** The headless Service created when `serviceName` is not given. */
  public readonly service?: ApiObject;

  constructor(scope: Construct, id: string, props: MemorySafeStatefulSetProps) {
    super(scope, id, 'StatefulSet', props);
    if (props.serviceName === undefined) {
      this.service = new ApiObject(this, 'Service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: this.apiObject.name, ...(props.metadata?.namespace ? { namespace: props.metadata.namespace } : {}), labels: { ...this.selectorLabels } },
        spec: {
          clusterIP: 'None',
          selector: { ...this.selectorLabels },
          ...(props.port !== undefined ? { ports: [{ name: 'http', port: props.port, targetPort: props.port }] } : {}),
        },
      });
    }
  }

  protected workloadSpec(props: MemorySafeStatefulSetProps, name: string, container: Record<string, unknown>): Record<string, unknown> {
    return {
      replicas: props.replicas ?? 1,
      serviceName: props.serviceName ?? name,
      selector: { matchLabels: { ...this.selectorLabels } },
      template: this.podTemplate(container),
    };
  }
}
