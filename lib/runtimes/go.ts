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
 * - The runtime reads GOMEMLIMIT as written (runtime/mgcpacer.go `readGOMEMLIMIT`): no trimming, so
 *   `" 900MiB"` stops a Go 1.19 program at start-up ("malformed GOMEMLIMIT"); `off` means no limit; an
 *   empty value is the same as none (checked with go 1.19 in test/runtime-options.test.ts).
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

/** Env variables the Go runtime reads: one set, not an array literal per variable checked. */
const GO_ENV: ReadonlySet<string> = new Set(['GOMEMLIMIT', 'GOGC', 'GOMAXPROCS', 'GODEBUG']);
const GO_BINARY = /^go$/;

function goImage({ name }: ImageName): boolean {
  return GO_IMAGES.test(name);
}

export interface GoMemLimit {
  readonly variable: EnvVar;
  readonly parsed: GoMemLimitParse;
}

/** The smallest GOMEMLIMIT oomguard sets: below 8 MiB the GC runs all the time. */
export const GO_MIN_HEAP_BYTES = 8 * MIB;

/**
 * The container's GOMEMLIMIT, if set (the last one wins, as in Kubernetes), parsed exactly as the Go
 * runtime reads it. An empty value is no limit at all, as if unset. `valueFrom` parses as no limit
 * (`bytes: null`) since its value is not in the manifest.
 */
export function readGoMemLimit(container: Container): GoMemLimit | undefined {
  let variable: EnvVar | undefined;
  for (let index = container.env.length - 1; index >= 0; index--) {
    if (container.env[index].name === 'GOMEMLIMIT') {
      variable = container.env[index];
      break;
    }
  }
  if (!variable || variable.value === '') return undefined;
  if (variable.value === undefined) return { variable, parsed: { ok: true, bytes: null } };
  return { variable, parsed: parseGoMemLimit(variable.value) };
}

function goSettings(_limitBytes: number, heapBytes: number): EnvSetting[] {
  return [{ name: 'GOMEMLIMIT', value: `${Math.max(floorMiB(GO_MIN_HEAP_BYTES), floorMiB(heapBytes))}MiB` }];
}

/** The overhead as a constant model (one object: a fleet sizes many containers). */
const CONSTANT_OVERHEAD = Object.freeze({ fixedBytes: 50 * MIB, perHeapByte: 0, label: 'Go' });

export const go: RuntimeProfile = {
  id: 'go',
  title: 'Go',
  slowStart: false,
  minHeapBytes: GO_MIN_HEAP_BYTES,
  overhead: {
    bytes: 50 * MIB,
    rangeMiB: [20, 50],
    source: 'memory outside the Go runtime (cgo, mmap, binary) and soft-limit overshoot: go.dev/doc/gc-guide',
  },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => GO_ENV.has(variable.name));
    if (env) return { runtime: 'go', reason: `env ${env.name}` };
    if (runsBinary(container, GO_BINARY)) return { runtime: 'go', reason: 'command runs go' };
    if (imageName(container.image).fact(goImage)) return { runtime: 'go', reason: `image ${container.image}` };
    return undefined;
  },
  overheadModel: () => CONSTANT_OVERHEAD,
  settings: goSettings,
  flags: (limitBytes, overheadBytes) => goSettings(limitBytes, limitBytes - overheadBytes),
  // A single-valued variable: the generated value replaces the old one.
  supersedes: () => true,
};
