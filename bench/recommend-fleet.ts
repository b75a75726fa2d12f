/**
 * A synthetic cluster's metrics for `oomguard recommend`, as OpenMetrics text for `promtool tsdb
 * create-blocks-from openmetrics`: cAdvisor's working set and RSS every `resolution` seconds, and
 * kube-state-metrics' owners, limits, requests, images, restarts and OOM kills every hour, for
 * Deployments (some mid-rollout, two ReplicaSets), StatefulSets, DaemonSets, CronJobs (pods of
 * several Jobs) and bare Pods. Every container is a steady, spiking or leaking one, and the generator
 * returns what `recommend` must find: the exact peaks, the verdicts, the limits, kills and restarts.
 * Deterministic: the same options give the same bytes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const MI = 1024 * 1024;
const HOUR = 3600;
const DAY = 24 * HOUR;

export interface FleetOptions {
  /** Pod × container series (the number of containers running at once). @default 2000 */
  readonly containers?: number;
  /** @default 400 */
  readonly workloads?: number;
  /** @default 20 */
  readonly namespaces?: number;
  /** @default 3 */
  readonly days?: number;
  /** Seconds between cAdvisor samples. @default 300 */
  readonly resolution?: number;
  /** Unix seconds of the last sample. */
  readonly end: number;
}

/** `job`: a Job's or CronJob's containers, sized from their peak and never judged a leak or a spike. */
export type Verdict = 'leak' | 'spike' | 'steady' | 'job';

export interface ExpectedContainer {
  readonly namespace: string;
  readonly kind: string;
  readonly workload: string;
  readonly container: string;
  readonly image: string;
  /** The runtime `recommend` must find (image, or the pod's oomguard.io/runtime label). */
  readonly runtime: string | undefined;
  readonly verdict: Verdict;
  readonly peakWorkingSet: number;
  readonly peakRss: number;
  readonly limitBytes: number | undefined;
  readonly requestBytes: number | undefined;
  readonly oomPods: number;
  readonly restarts: number;
  readonly pods: number;
  /** Working-set growth per day of a leak, bytes. */
  readonly leakPerDay?: number;
}

export interface Fleet {
  readonly containers: readonly ExpectedContainer[];
  /** Containers running at once (replica slots × containers; a rollout's or a CronJob's pods take turns). */
  readonly running: number;
  readonly series: number;
  readonly samples: number;
  readonly start: number;
  readonly end: number;
}

/** A hash of a few integers to [0, 1): position-based noise, so every family recomputes the same value. */
function noise(a: number, b: number, c = 0): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77) ^ Math.imul(c + 0x27d4eb2f, 0xc2b2ae3d)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const IMAGES = [
  { image: 'eclipse-temurin:17-jre', runtime: 'jvm' },
  { image: 'node:20-alpine', runtime: 'node' },
  { image: 'python:3.12-slim', runtime: 'python' },
  { image: 'registry.example.com/payments/ledger:1.4.2', runtime: 'go' }, // only its pod label says so
  { image: 'nginx:1.27', runtime: undefined },
] as const;
const CONTAINER_NAMES = ['app', 'sidecar', 'proxy', 'worker', 'metrics'];

interface Pod {
  readonly name: string;
  readonly owner: { kind: string; name: string };
  readonly from: number;
  readonly to: number;
}

interface Spec {
  readonly expected: { -readonly [K in keyof ExpectedContainer]: ExpectedContainer[K] };
  readonly seed: number;
  readonly base: number;
  readonly spikes: readonly { at: number; width: number; factor: number }[];
  readonly growthPerDay: number;
  readonly kills: readonly number[];
}

interface Workload {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly pods: readonly Pod[];
  readonly replicas: number;
  readonly specs: readonly Spec[];
  readonly podLabelRuntime?: string;
  readonly replicaSets: readonly { name: string; owner: string }[];
  readonly jobs: readonly { name: string; owner: string; from: number; to: number }[];
}

function suffix(seed: number): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  let text = '';
  for (let i = 0; i < 5; i++) text += chars[Math.floor(noise(seed, i, 99) * chars.length)];
  return text;
}

function buildWorkloads(options: Required<FleetOptions>, start: number): Workload[] {
  const { workloads, namespaces, end } = options;
  const perWorkload = Math.max(1, Math.round(options.containers / workloads));
  const window = end - start;
  const list: Workload[] = [];
  for (let i = 0; i < workloads; i++) {
    const namespace = `team-${String(i % namespaces).padStart(2, '0')}`;
    // One CronJob in 50 is a bare Job instead (its pods roll up to the Job itself).
    const kind = i % 40 === 39 ? 'Pod' : i % 50 === 29 ? 'Job' : (['Deployment', 'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const)[i % 5];
    const name = `${kind === 'CronJob' ? 'job' : kind === 'Job' ? 'batch' : kind === 'Pod' ? 'debug' : 'svc'}-${i}`;
    // One CronJob in 80 runs hourly, five pods a run, and its memory grows run after run: its runs tile
    // the window, so its series has no gap and rising daily minimums, and it is still no leak.
    const hourlyCronJob = kind === 'CronJob' && i % 400 === 4;
    // Half the workloads are one container in `perWorkload` replicas, half one replica of `perWorkload` containers.
    const containerCount = i % 2 === 1 || kind === 'Pod' ? Math.min(perWorkload, CONTAINER_NAMES.length) : 1;
    const replicas = kind === 'Pod' ? 1 : Math.max(1, Math.round(perWorkload / containerCount));
    const rollout = kind === 'Deployment' && i % 20 === 0;
    const pods: Pod[] = [];
    const replicaSets: { name: string; owner: string }[] = [];
    const jobs: { name: string; owner: string; from: number; to: number }[] = [];
    for (let k = 0; k < replicas; k++) {
      const seed = i * 1000 + k;
      if (kind === 'Deployment') {
        const hashes = ['7d4b9c8f6d', '5f6c7d8e9f'];
        if (rollout) {
          const mid = start + Math.floor(window / 2 / HOUR) * HOUR;
          pods.push({ name: `${name}-${hashes[0]}-${suffix(seed)}`, owner: { kind: 'ReplicaSet', name: `${name}-${hashes[0]}` }, from: start, to: mid });
          pods.push({ name: `${name}-${hashes[1]}-${suffix(seed + 500)}`, owner: { kind: 'ReplicaSet', name: `${name}-${hashes[1]}` }, from: mid, to: end });
        } else {
          pods.push({ name: `${name}-${hashes[0]}-${suffix(seed)}`, owner: { kind: 'ReplicaSet', name: `${name}-${hashes[0]}` }, from: start, to: end });
        }
      } else if (kind === 'StatefulSet') {
        pods.push({ name: `${name}-${k}`, owner: { kind, name }, from: start, to: end });
      } else if (kind === 'DaemonSet') {
        pods.push({ name: `${name}-${suffix(seed)}`, owner: { kind, name }, from: start, to: end });
      } else if (hourlyCronJob) {
        if (k > 0) continue;
        for (let from = start; from < end; from += HOUR) {
          const job = `${name}-${29_000_000 + Math.floor(from / 60)}`;
          jobs.push({ name: job, owner: name, from, to: from + HOUR });
          for (let slot = 0; slot < replicas; slot++) pods.push({ name: `${job}-${suffix(seed + from + slot)}`, owner: { kind: 'Job', name: job }, from, to: from + HOUR });
        }
      } else if (kind === 'Job') {
        const from = start + Math.floor((noise(seed, 40) * window) / 2 / HOUR) * HOUR;
        if (k === 0) jobs.push({ name, owner: '<none>', from, to: from + 8 * HOUR });
        pods.push({ name: `${name}-${suffix(seed)}`, owner: { kind: 'Job', name }, from, to: from + 8 * HOUR });
      } else if (kind === 'CronJob') {
        // One Job per replica slot, spread over the window, each running 8 hours.
        const from = start + Math.floor((k * window) / replicas / HOUR) * HOUR;
        const job = `${name}-${29_000_000 + Math.floor(from / 60)}`;
        jobs.push({ name: job, owner: name, from, to: Math.min(end, from + 8 * HOUR) });
        pods.push({ name: `${job}-${suffix(seed)}`, owner: { kind: 'Job', name: job }, from, to: Math.min(end, from + 8 * HOUR) });
      } else {
        pods.push({ name, owner: { kind: '<none>', name: '<none>' }, from: start, to: end });
      }
    }
    if (kind === 'Deployment') for (const hash of rollout ? ['7d4b9c8f6d', '5f6c7d8e9f'] : ['7d4b9c8f6d']) replicaSets.push({ name: `${name}-${hash}`, owner: name });
    const podLabelRuntime = containerCount === 1 && IMAGES[i % IMAGES.length].runtime === 'go' ? 'go' : undefined;
    const specs: Spec[] = [];
    for (let j = 0; j < containerCount; j++) {
      const seed = i * 16 + j;
      const image = IMAGES[(i + j) % IMAGES.length];
      const wholeLife = pods.every((pod) => pod.from === start && pod.to === end);
      const r = noise(seed, 1);
      // The memory's shape; a Job's or CronJob's containers are sized from their peak whatever it is.
      const shape: Verdict = hourlyCronJob || (wholeLife && (i * 7 + j) % 10 === 3) ? 'leak' : r < 0.45 ? 'spike' : 'steady';
      const verdict: Verdict = kind === 'CronJob' || kind === 'Job' ? 'job' : shape;
      const base = Math.round((64 + noise(seed, 2) * 700) * MI) + Math.floor(noise(seed, 3) * 4096);
      const spikes: { at: number; width: number; factor: number }[] = [];
      if (shape === 'spike') {
        const life = pods[Math.floor(noise(seed, 4) * pods.length)];
        for (let s = 0; s < 3; s++) {
          const span = life.to - life.from;
          const at = life.from + Math.floor((0.1 + 0.8 * noise(seed, 10 + s)) * span / options.resolution) * options.resolution;
          spikes.push({ at, width: (1 + Math.floor(noise(seed, 20 + s) * 3)) * options.resolution, factor: 2 + noise(seed, 30 + s) * 2 });
        }
      }
      const growthPerDay = shape === 'leak' ? 0.15 + noise(seed, 5) * 0.25 : 0;
      const killed = shape !== 'leak' && noise(seed, 7) < 0.05;
      // Two kills of the first pod, at 30% and 60% of its life, on kube-state-metrics' hourly samples.
      const first = pods[0];
      const kills = killed ? [0.3, 0.6].map((at) => first.from + Math.floor(((first.to - first.from) * at) / HOUR) * HOUR) : [];
      specs.push({
        seed, base, spikes, growthPerDay, kills,
        expected: {
          namespace, kind: kind === 'Pod' ? 'Pod' : kind, workload: name, container: CONTAINER_NAMES[j], image: image.image,
          runtime: image.runtime === 'go' ? podLabelRuntime : image.runtime, verdict,
          peakWorkingSet: 0, peakRss: 0, limitBytes: undefined, requestBytes: undefined,
          oomPods: killed ? 1 : 0, restarts: kills.length, pods: pods.length,
          ...(verdict === 'leak' ? { leakPerDay: base * growthPerDay } : {}),
        },
      });
    }
    list.push({ namespace, kind, name, pods, replicas, specs, ...(podLabelRuntime ? { podLabelRuntime } : {}), replicaSets, jobs });
  }
  return list;
}

/** The working set of container `spec` in pod number `k` at time t. */
function workingSet(spec: Spec, k: number, t: number, start: number): number {
  const base = spec.base + k * MI;
  if (spec.growthPerDay > 0) {
    const grown = base * (1 + (spec.growthPerDay * (t - start)) / DAY);
    return Math.round(grown + base * 0.005 * (noise(spec.seed, t, k) - 0.5));
  }
  for (const spike of spec.spikes) if (t >= spike.at && t < spike.at + spike.width) return Math.round(base * spike.factor);
  return Math.round(base * (1 + 0.04 * (noise(spec.seed, t, k) - 0.5)));
}

/**
 * Write the fleet's metrics to `file` and return what `recommend` must find. Streams: memory does not
 * grow with the number of samples.
 */
export function writeFleet(file: string, fleetOptions: FleetOptions): Fleet {
  const options: Required<FleetOptions> = { containers: 2000, workloads: 400, namespaces: 20, days: 3, resolution: 300, ...fleetOptions };
  const end = options.end;
  const start = end - options.days * DAY;
  const workloads = buildWorkloads(options, start);
  const fd = openSync(file, 'w');
  let buffer = '';
  let samples = 0;
  let series = 0;
  const emit = (line: string) => {
    buffer += line;
    samples++;
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  };
  // First sample one resolution after the window opens: no sample sits on the window's edge.
  const fine = (pod: Pod, each: (t: number) => void) => {
    for (let t = Math.max(pod.from, start) + options.resolution; t <= pod.to; t += options.resolution) each(t);
  };
  // kube-state-metrics, hourly (and at the last instant of a pod's life).
  const hourly = (from: number, to: number, each: (t: number) => void) => {
    let t = from + HOUR;
    for (; t < to; t += HOUR) each(t);
    each(to);
  };
  const labels = (pairs: Record<string, string>) => Object.entries(pairs).map(([k, v]) => `${k}="${v}"`).join(',');

  for (const [metric, scale] of [['container_memory_working_set_bytes', 1], ['container_memory_rss', 0.8]] as const) {
    buffer += `# TYPE ${metric} gauge\n`;
    for (const workload of workloads) {
      workload.pods.forEach((pod, k) => {
        for (const spec of workload.specs) {
          series++;
          const text = `${metric}{${labels({ namespace: workload.namespace, pod: pod.name, container: spec.expected.container, image: spec.expected.image })}} `;
          fine(pod, (t) => {
            const value = Math.floor(workingSet(spec, k, t, start) * scale);
            if (scale === 1) spec.expected.peakWorkingSet = Math.max(spec.expected.peakWorkingSet, value);
            else spec.expected.peakRss = Math.max(spec.expected.peakRss, value);
            emit(`${text}${value} ${t}\n`);
          });
        }
        // The pod-level series (container=""), which recommend must ignore; on a few pods, to keep the data small.
        if (k !== 0 || workload.specs[0].seed % 10 !== 0) return;
        const podText = `${metric}{${labels({ namespace: workload.namespace, pod: pod.name, container: '' })}} `;
        fine(pod, (t) => emit(`${podText}${50 * 1024 * MI} ${t}\n`));
      });
    }
  }

  const family = (metric: string, each: (series: (text: string, from: number, to: number, value: (t: number) => number) => void) => void) => {
    buffer += `# TYPE ${metric} gauge\n`;
    each((text, from, to, value) => {
      series++;
      hourly(from, to, (t) => emit(`${metric}{${text}} ${value(t)} ${t}\n`));
    });
  };
  family('kube_pod_owner', (add) => {
    for (const w of workloads) for (const pod of w.pods) add(labels({ namespace: w.namespace, pod: pod.name, owner_kind: pod.owner.kind, owner_name: pod.owner.name, owner_is_controller: pod.owner.kind === '<none>' ? '<none>' : 'true' }), pod.from, pod.to, () => 1);
  });
  family('kube_replicaset_owner', (add) => {
    for (const w of workloads) for (const rs of w.replicaSets) add(labels({ namespace: w.namespace, replicaset: rs.name, owner_kind: 'Deployment', owner_name: rs.owner, owner_is_controller: 'true' }), start, end, () => 1);
    // A bare ReplicaSet's pods would roll up to the ReplicaSet; a decoy without pods must not appear.
    add(labels({ namespace: 'team-00', replicaset: 'orphan-5d8f7b9c4', owner_kind: '<none>', owner_name: '<none>', owner_is_controller: '<none>' }), start, end, () => 1);
  });
  family('kube_job_owner', (add) => {
    for (const w of workloads) for (const job of w.jobs) {
      const owned = job.owner !== '<none>';
      add(labels({ namespace: w.namespace, job_name: job.name, owner_kind: owned ? 'CronJob' : '<none>', owner_name: job.owner, owner_is_controller: owned ? 'true' : '<none>' }), job.from, job.to, () => 1);
    }
  });
  family('kube_pod_labels', (add) => {
    for (const w of workloads) if (w.podLabelRuntime) for (const pod of w.pods) add(labels({ namespace: w.namespace, pod: pod.name, label_oomguard_io_runtime: w.podLabelRuntime }), pod.from, pod.to, () => 1);
  });
  family('kube_pod_container_info', (add) => {
    for (const w of workloads) for (const pod of w.pods) for (const spec of w.specs) add(labels({ namespace: w.namespace, pod: pod.name, container: spec.expected.container, image: spec.expected.image }), pod.from, pod.to, () => 1);
  });
  for (const resource of ['limits', 'requests'] as const) {
    family(`kube_pod_container_resource_${resource}`, (add) => {
      for (const w of workloads) for (const spec of w.specs) {
        if (noise(spec.seed, 6) < 0.1) continue; // no limit, no request
        // A leak's limit sits 30% above its peak; others 1.6–2.6× their base (a few below a spike).
        const limit = Math.ceil((spec.growthPerDay > 0 ? spec.expected.peakWorkingSet * 1.3 : spec.base * (1.6 + noise(spec.seed, 8))) / MI) * MI;
        const request = noise(spec.seed, 9) < 0.5 ? limit : Math.ceil(limit / 2 / MI) * MI;
        const value = resource === 'limits' ? limit : request;
        if (resource === 'limits') spec.expected.limitBytes = limit;
        else spec.expected.requestBytes = request;
        for (const pod of w.pods) add(labels({ namespace: w.namespace, pod: pod.name, container: spec.expected.container, resource: 'memory', unit: 'byte' }), pod.from, pod.to, () => value);
        // The CPU figure, which must not be taken for memory.
        for (const pod of w.pods) add(labels({ namespace: w.namespace, pod: pod.name, container: spec.expected.container, resource: 'cpu', unit: 'core' }), pod.from, pod.to, () => 2);
      }
    });
  }
  family('kube_pod_container_status_restarts_total', (add) => {
    for (const w of workloads) w.pods.forEach((pod, k) => {
      for (const spec of w.specs) add(labels({ namespace: w.namespace, pod: pod.name, container: spec.expected.container }), pod.from, pod.to, (t) => (k === 0 ? spec.kills.filter((kill) => kill <= t).length : 0));
    });
  });
  family('kube_pod_container_status_last_terminated_reason', (add) => {
    for (const w of workloads) for (const spec of w.specs) {
      if (spec.kills.length === 0) continue;
      add(labels({ namespace: w.namespace, pod: w.pods[0].name, container: spec.expected.container, reason: 'OOMKilled' }), spec.kills[0] - HOUR, w.pods[0].to, () => 1);
    }
  });
  buffer += '# EOF\n';
  writeSync(fd, buffer);
  closeSync(fd);
  const running = workloads.reduce((sum, w) => sum + w.specs.length * w.replicas, 0);
  return { containers: workloads.flatMap((w) => w.specs.map((s) => s.expected)), running, series, samples, start, end };
}
