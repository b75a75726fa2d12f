/**
 * Go.
 *
 * Sources:
 * - Go 1.19+ reads `GOMEMLIMIT`, a soft limit on all memory the Go runtime manages (heap, stacks,
 *   runtime structures), in its own byte-count syntax: plain bytes or B, KiB, MiB, GiB, TiB
 *   (runtime package docs; "A Guide to the Go Garbage Collector", go.dev/doc/gc-guide). Without it the
 *   GC only paces by GOGC and the heap may double past the container limit before a collection.
 * - The GC guide advises leaving headroom for memory the runtime does not account (cgo, mmaped files,
 *   the binary itself) and for the soft limit being soft: 20-50 MiB on typical services, hence 50 MiB.
 */
import { MIB, floorMiB, parseGoMemLimit, type GoMemLimitParse } from '../core/quantity';
import type { Container, EnvVar } from '../core/workload';
import { imageName, runsBinary, type ImageName } from './options';
import type { Detection, EnvSetting, RuntimeProfile } from './types';

/**
 * Well-known programs written in Go, recognised by image name. A guess from the name is the weakest
 * signal; the `oomguard.io/runtime` annotation overrides it.
 */
const GO_IMAGES = /^(golang|prometheus|alertmanager|node-exporter|blackbox-exporter|pushgateway|prometheus-operator|prometheus-config-reloader|kube-state-metrics|grafana|loki|promtail|tempo|mimir|thanos|jaeger[a-z-]*|all-in-one|opentelemetry-collector[a-z-]*|otelcol[a-z-]*|etcd|coredns|traefik|argocd|consul|vault|caddy|minio|nats|nats-server|cert-manager-[a-z-]+|external-dns|pilot|velero|cilium|flannel|kube-rbac-proxy|metrics-server)$/;

function goImage({ name }: ImageName): boolean {
  return GO_IMAGES.test(name);
}

export interface GoMemLimit {
  readonly variable: EnvVar;
  readonly parsed: GoMemLimitParse;
}

/** The container's GOMEMLIMIT, if set literally (the last one wins, as in Kubernetes). */
export function readGoMemLimit(container: Container): GoMemLimit | undefined {
  const variable = [...container.env].reverse().find((entry) => entry.name === 'GOMEMLIMIT');
  if (!variable) return undefined;
  if (variable.value === undefined) return { variable, parsed: { ok: true, bytes: null } };
  return { variable, parsed: parseGoMemLimit(variable.value.trim()) };
}

export const go: RuntimeProfile = {
  id: 'go',
  title: 'Go',
  overhead: {
    bytes: 50 * MIB,
    rangeMiB: [20, 50],
    source: 'memory outside the Go runtime (cgo, mmap, binary) and soft-limit overshoot: go.dev/doc/gc-guide',
  },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => ['GOMEMLIMIT', 'GOGC', 'GOMAXPROCS', 'GODEBUG'].includes(variable.name));
    if (env) return { runtime: 'go', reason: `env ${env.name}` };
    if (runsBinary(container, /^go$/)) return { runtime: 'go', reason: 'command runs go' };
    if (imageName(container.image).fact(goImage)) return { runtime: 'go', reason: `image ${container.image}` };
    return undefined;
  },
  flags(limitBytes, overheadBytes): EnvSetting[] {
    return [{ name: 'GOMEMLIMIT', value: `${Math.max(1, floorMiB(limitBytes - overheadBytes))}MiB` }];
  },
  // A single-valued variable: the generated value replaces the old one.
  supersedes: () => true,
};
