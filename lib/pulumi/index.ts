/**
 * `oomguard/pulumi`: a Pulumi component that creates a sized Kubernetes Deployment from a runtime and
 * a measured peak, the same object `oomguard generate` prints and the cdk8s constructs synthesize
 * (all three call `buildDeployment` from lib/generate): memory request = limit = ceil_Mi(peak x factor
 * + runtime overhead), the runtime's own ceiling in its env, probes when a port is given, and the
 * annotations the policy pack re-checks.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  buildDeployment, isRuntimeId, legacyJvmFor, parseQuantity, RUNTIME_IDS, sizeContainer,
  type EnvEntry, type ProbePaths, type Recommendation, type RuntimeId, type SizingConfig,
} from '../index';

export interface SizedDeploymentArgs {
  /** Container image. */
  readonly image: pulumi.Input<string>;
  /** The container's runtime: `jvm`, `node`, `go`, `python`, `dotnet` or `ruby`. */
  readonly runtime: RuntimeId;
  /** Measured peak memory as a Kubernetes quantity (`400Mi`), e.g. from `oomguard measure`. */
  readonly peakRss: string;
  /** Port probed over HTTP and exposed as `http`. Without one no probes are generated. */
  readonly port?: number;
  /** Environment; heap options in it are merged with the generated ones, never duplicated. */
  readonly env?: readonly EnvEntry[];
  /**
   * A JVM without container support (Java 8 before 8u191, Java 9) gets `-Xmx`.
   * @default read from `image` when it is a plain string (as `oomguard generate` does), else false
   */
  readonly legacyJvm?: boolean;
  /** @default `/livez` and `/readyz` */
  readonly probePaths?: ProbePaths;
  /** Factor and runtime overheads. @default DEFAULT_SIZING (factor 1.5, each runtime profile's overhead) */
  readonly sizing?: SizingConfig;
  /** `metadata.name` of the Deployment and its container. @default the component's name */
  readonly deploymentName?: string;
  readonly namespace?: pulumi.Input<string>;
  /** @default 1 */
  readonly replicas?: number;
}

/** The Pulumi type token of the component. */
export const SIZED_DEPLOYMENT_TYPE = 'oomguard:kubernetes:SizedDeployment';

/**
 * A Deployment sized by oomguard. Impossible arguments (an unknown runtime, a peak that is not a
 * Kubernetes quantity) throw here, at construction, before anything is registered.
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
    if (!isRuntimeId(args.runtime)) {
      throw new Error(`SizedDeployment "${name}": runtime "${String(args.runtime)}" is not one of ${RUNTIME_IDS.join(', ')}`);
    }
    const peak = parseQuantity(args.peakRss);
    if (!peak.ok) throw new Error(`SizedDeployment "${name}": peakRss "${String(args.peakRss)}" ${peak.reason}`);
    if (peak.bytes <= 0) throw new Error(`SizedDeployment "${name}": peakRss must be more than zero, got "${args.peakRss}"`);
    super(SIZED_DEPLOYMENT_TYPE, name, {}, opts);

    const input = {
      runtime: args.runtime,
      peakBytes: peak.bytes,
      ...(args.sizing ? { sizing: args.sizing } : {}),
      ...(args.env ? { env: args.env } : {}),
      // A plain image string tells the JVM variant, as for `oomguard generate` (an Output is not known until deployment).
      legacyJvm: legacyJvmFor(args.runtime, typeof args.image === 'string' ? args.image : undefined, args.legacyJvm),
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args.probePaths ? { probePaths: args.probePaths } : {}),
    };
    const sized = sizeContainer(input);
    this.recommendation = sized.recommendation;
    this.memory = sized.memory;

    // The image and namespace may be outputs of other resources: build with placeholders, then put
    // the inputs in their places so the rest stays exactly what buildDeployment produces.
    const manifest = buildDeployment({
      ...input,
      name: args.deploymentName ?? name,
      image: '',
      ...(args.replicas !== undefined ? { replicas: args.replicas } : {}),
    }) as unknown as k8s.types.input.apps.v1.Deployment & { metadata: Record<string, unknown>; spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    const containers = manifest.spec.template.spec.containers.map((container) => ({ ...container, image: args.image }));
    this.deployment = new k8s.apps.v1.Deployment(name, {
      metadata: { ...manifest.metadata, ...(args.namespace !== undefined ? { namespace: args.namespace } : {}) },
      spec: { ...manifest.spec, template: { ...manifest.spec.template, spec: { ...manifest.spec.template.spec, containers } } },
    } as k8s.apps.v1.DeploymentArgs, { parent: this });
    this.registerOutputs({ deployment: this.deployment, memory: this.memory });
  }
}
