import { describeBytes } from '../core/quantity';
import type { Volume } from '../core/workload';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule, type Report } from './types';

/** Whether a volume is a memory-backed emptyDir (a tmpfs). The API accepts only "" and "Memory" (and HugePages*). */
function isMemoryVolume(volume: Volume): boolean {
  return volume.emptyDir?.medium === 'Memory';
}

export default defineRule({
  meta: {
    id: 'memory-volume-unbounded',
    defaultSeverity: 'error',
    summary: 'An `emptyDir` with `medium: Memory` (a tmpfs, charged to the memory of the container writing it) without `sizeLimit` (warning), or whose `sizeLimit` plus the mounting container\'s declared peak exceeds that container\'s limit (error).',
    rationale:
      'A memory-backed emptyDir is a tmpfs, and every page written to it is charged to the memory cgroup of the container that writes it, exactly like heap. ' +
      'Without `sizeLimit` the tmpfs may grow to the pod\'s memory (Kubernetes 1.22+ sizes it from the pod\'s limits, older ones from the node\'s memory): nothing fails at the file level, the container is OOM-killed (exit 137) when its files and its heap together reach the limit. ' +
      'That is a warning, not an error: whether it happens depends on what the application writes, and a container limit still bounds the damage to the pod. ' +
      'With `sizeLimit` set but larger than what the limit leaves beside the measured peak (`sizeLimit + peak > limit`, or without a declared peak `sizeLimit >= limit`), filling the volume to its allowed size is certain to kill the container: that is an error. ' +
      'The kubelet\'s eviction for an over-size emptyDir comes late (it checks periodically), the kernel\'s OOM kill at once. ' +
      'Measured (test/memory-volume-evidence.test.ts, real tmpfs and memory cgroup): `dd` with a 3 MiB RSS writing 100 MiB into an unbounded tmpfs under a 64 MiB limit is OOM-killed (exit 137); with the tmpfs capped at 32 MiB the same write fails with ENOSPC and `dd` exits 1.',
    remediation:
      'Set `emptyDir.sizeLimit` to what the files need, and size the container\'s memory limit for the peak plus that size (`oomguard.io/peak-rss` declares the peak); or use a disk-backed emptyDir (no `medium`).',
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      noSizeLimit:
        'emptyDir volume "{{volume}}" has medium: Memory and no sizeLimit: its tmpfs counts against the memory of the container writing it and can grow until that container is OOM-killed; set emptyDir.sizeLimit',
      overPeak:
        'container "{{container}}" limit {{limit}} < {{total}} = memory-backed volume{{plural}} {{volumes}} ({{size}}) + declared peak {{peak}}: full volumes and the peak together exceed the limit; raise the limit or lower sizeLimit',
      overLimit:
        'container "{{container}}" limit {{limit}} <= {{size}} sizeLimit of memory-backed volume{{plural}} {{volumes}}: the volumes alone can fill the limit; raise the limit or lower sizeLimit',
    },
    fixable: false,
  },
  checkWorkload({ workload }) {
    const reports: Report[] = [];
    for (const volume of workload.volumes ?? []) {
      if (isMemoryVolume(volume) && !volume.emptyDir!.sizeLimit) {
        reports.push({ messageId: 'noSizeLimit', data: { volume: volume.name }, path: volume.emptyDir!.path, severity: 'warning' });
      }
    }
    return reports;
  },
  checkContainer({ workload, container, limitBytes, peak }) {
    const mounts = container.volumeMounts ?? [];
    if (mounts.length === 0 || limitBytes === undefined || !workload.volumes || workload.volumes.length === 0) return NONE;
    // Each memory volume counts once, however often the container mounts it (subPaths of one tmpfs).
    const mounted = new Set(mounts.map((mount) => mount.name));
    const bounded = workload.volumes.filter((volume) => mounted.has(volume.name) && isMemoryVolume(volume) && volume.emptyDir!.sizeLimit?.parsed.ok);
    if (bounded.length === 0) return NONE;
    let size = 0;
    for (const volume of bounded) size += (volume.emptyDir!.sizeLimit!.parsed as { bytes: number }).bytes;
    const names = bounded.map((volume) => `"${volume.name}"`).join(', ');
    const data = { container: container.name, limit: describeBytes(limitBytes), size: describeBytes(size), volumes: names, plural: bounded.length === 1 ? '' : 's' };
    const path = bounded[0].emptyDir!.sizeLimit!.path;
    if (peak) {
      if (size + peak.bytes <= limitBytes) return NONE;
      return [{ messageId: 'overPeak', data: { ...data, peak: describeBytes(peak.bytes), total: describeBytes(size + peak.bytes) }, path }];
    }
    if (size < limitBytes) return NONE;
    return [{ messageId: 'overLimit', data, path }];
  },
});
