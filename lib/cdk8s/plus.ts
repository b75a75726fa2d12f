/**
 * cdk8s-plus interop: size a cdk8s-plus container the way the oomguard constructs size theirs.
 *
 * cdk8s-plus gives a container without `resources` its own defaults (requests 1000m CPU / 512Mi, limits
 * 1500m / 2048Mi: cdk8s-plus-33 lib/container.js), which set a request below the limit and size nothing
 * from the workload. These helpers always set `resources.memory` (request = limit), so those defaults
 * never apply; CPU stays whatever the caller gives (none when not given).
 */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { describeBytes } from '../core/quantity';
import { commandLineOverrides, planContainer, type ContainerPlan } from './plan';
import { Runtime, sizeToBytes } from './runtime';
import type { ProbePathsProps } from './workloads';

export interface MemorySafeContainerProps extends kplus.ContainerProps {
  /** The runtime: `Runtime.JVM`, `Runtime.NODE`, ... or a custom profile. */
  readonly runtime: Runtime;
  /** Measured peak memory, for example `Size.mebibytes(300)`. */
  readonly peakMemory: Size;
  /** HTTP probe endpoints, used when `portNumber` is set and a probe is not given. @default '/livez', '/readyz' */
  readonly probePaths?: ProbePathsProps;
}

/** A sized cdk8s-plus container definition and how it was sized. */
export interface MemorySafeContainerDefinition {
  readonly props: kplus.ContainerProps;
  readonly plan: ContainerPlan;
}

function httpProbe(probe: Record<string, unknown> | undefined): kplus.Probe | undefined {
  if (!probe) return undefined;
  const httpGet = probe.httpGet as { path: string; port: number };
  return kplus.Probe.fromHttpGet(httpGet.path, {
    port: httpGet.port,
    periodSeconds: Duration.seconds(probe.periodSeconds as number),
    timeoutSeconds: Duration.seconds(probe.timeoutSeconds as number),
    failureThreshold: probe.failureThreshold as number,
  });
}

/**
 * cdk8s-plus `ContainerProps` with memory request = limit from the measured peak, the runtime's ceiling
 * merged into `envVariables` (other options kept, superseded heap options dropped), and HTTP probes where
 * the caller set none. Throws when a heap variable comes from a ConfigMap or Secret (it cannot be merged)
 * or a heap flag on the command line would override the generated one.
 */
export function memorySafeContainer(props: MemorySafeContainerProps): MemorySafeContainerDefinition {
  const { runtime: given, peakMemory, probePaths, ...containerProps } = props;
  const name = props.name ?? 'main';
  const where = `container "${name}"`;
  const runtime = typeof (given as unknown) === 'string' ? Runtime.of(given as unknown as string) : given;
  if (!(runtime instanceof Runtime)) throw new Error(`${where}: runtime must be a Runtime (Runtime.JVM, Runtime.of("go"), ...)`);
  const peakBytes = sizeToBytes(peakMemory);
  if (!(peakBytes > 0)) throw new Error(`${where}: peakMemory must be above zero (got ${describeBytes(peakBytes)})`);

  const env: { name: string; value: string }[] = [];
  for (const [key, value] of Object.entries(props.envVariables ?? {})) {
    if (value.value !== undefined) env.push({ name: key, value: String(value.value) });
  }
  const port = props.portNumber ?? props.port;
  const plan = planContainer({ runtime, peakBytes, env, image: props.image, ...(port !== undefined ? { port } : {}), ...(probePaths ? { probePaths } : {}) });
  const envVariables: Record<string, kplus.EnvValue> = { ...props.envVariables };
  for (const entry of plan.env) {
    const existing = props.envVariables?.[entry.name];
    if (existing && existing.value === undefined) {
      throw new Error(`${where}: ${entry.name} comes from valueFrom, so oomguard cannot merge ${entry.value} into it; set it as a plain value`);
    }
    envVariables[entry.name] = kplus.EnvValue.fromValue(entry.value);
  }
  const overrides = commandLineOverrides(runtime, props.command, props.args, props.image);
  if (overrides.length > 0) {
    throw new Error(`${where}: ${overrides.join(', ')} on the command line overrides the heap oomguard generates for the ${describeBytes(plan.recommendation.limitBytes)} limit; remove it`);
  }
  const limit = kplusSize(plan.recommendation.limitBytes);
  const probes = plan.probes;
  const startup = props.startup ?? httpProbe(probes?.startupProbe);
  return {
    plan,
    props: {
      ...containerProps,
      envVariables,
      resources: { ...props.resources, memory: { request: limit, limit } },
      ...(props.liveness ?? probes ? { liveness: props.liveness ?? httpProbe(probes?.livenessProbe) } : {}),
      ...(props.readiness ?? probes ? { readiness: props.readiness ?? httpProbe(probes?.readinessProbe) } : {}),
      ...(startup ? { startup } : {}),
    },
  };
}

function kplusSize(bytes: number): Size {
  // The limit is whole MiB (lib/sizing/formula.ts rounds up to MiB), which cdk8s-plus renders as `<n>Mi`.
  return Size.mebibytes(bytes / (1024 * 1024));
}

/**
 * Add a sized container to a cdk8s-plus workload (Deployment, StatefulSet, Pod, Job, ...) and record
 * the runtime and peak as per-container annotations on the pod template, so `oomguard lint` and the
 * validation plugin re-check the sizing.
 */
export function addMemorySafeContainer(workload: kplus.AbstractPod, props: MemorySafeContainerProps): kplus.Container {
  const definition = memorySafeContainer(props);
  const container = workload.addContainer(definition.props);
  for (const [key, value] of Object.entries(definition.plan.annotations)) {
    workload.podMetadata.addAnnotation(`${key}.${container.name}`, value);
  }
  return container;
}
