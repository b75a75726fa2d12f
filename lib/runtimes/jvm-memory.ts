/**
 * How HotSpot (Java 10+, 8u191+) really sizes its memory, as a pure model: the heap ceiling its
 * ergonomics pick from the options and the container size, the collector it selects, and the memory it
 * needs outside the heap. Every figure is checked against the real JVM:
 *
 * - the heap: test/jvm-ergonomics.test.ts runs `java -XX:+PrintFlagsFinal -version` inside real memory
 *   cgroups from 64Mi to 8Gi and compares `MaxHeapSize` with `effectiveMaxHeap`;
 * - the non-heap model: scripts/runtime-model.ts measures it with Native Memory Tracking and records the
 *   figures in docs/evidence.md ("Runtime model").
 *
 * The algorithm follows HotSpot's `Arguments::set_heap_size()` (src/hotspot/share/runtime/arguments.cpp,
 * JDK 17), `GCConfig::select_gc_ergonomically()` with `os::is_server_class_machine()`, and the heap
 * alignment of each collector (`GCArguments::initialize_heap_flags_and_sizes`, `HeapRegion::
 * setup_heap_region_size`). Read there, reimplemented here; no code copied.
 */
import { MIB } from '../core/quantity';
import type { LinearOverhead, MachineShape } from './types';

export type { LinearOverhead, MachineShape };

const GIB = 1024 * MIB;

export type JvmGc = 'serial' | 'g1' | 'parallel' | 'z' | 'shenandoah';

/**
 * `MaxHeapSize`'s built-in default on 64-bit: `ScaleForWordSize(96M)` = 96 MiB × 1.3, aligned down to a
 * heap word. Below it the heap is `MinRAMPercentage` of the memory instead (and `MaxRAMPercentage` has no
 * effect at all): at 475Mi, `MaxRAMPercentage=15.7` alone gives a 126 MiB heap, not 75 MiB (measured).
 */
export const DEFAULT_MAX_HEAP_BYTES = Math.floor((96 * MIB * 13) / 10 / 8) * 8;
/** `MaxRAM`'s default on 64-bit servers (arguments.cpp): the memory ergonomics assume at most. */
export const DEFAULT_MAX_RAM_BYTES = 128 * GIB;
/** `os::is_server_class_machine()`: 2 processors and 2 GiB less 256 MiB "missing" memory pick G1, else Serial. */
export const SERVER_CLASS_BYTES = 2 * GIB - 256 * MIB;
export const SERVER_CLASS_CPUS = 2;

/** Defaults of the percentage flags (java(1) manual). */
export const DEFAULT_PERCENT = { max: 25, min: 50 } as const;

/** The options that decide the heap ceiling, as the JVM has them after parsing every source. */
export interface HeapOptions {
  readonly xmx?: number;
  readonly xms?: number;
  readonly maxRam?: number;
  readonly maxRamPercentage?: number;
  readonly minRamPercentage?: number;
  readonly initialRamPercentage?: number;
  readonly maxRamFraction?: number;
  readonly minRamFraction?: number;
  readonly initialRamFraction?: number;
}

/** The collector HotSpot picks on its own: G1 on a server-class machine, Serial otherwise. */
export function ergonomicGc(machine: MachineShape): JvmGc {
  const memory = machine.memoryBytes;
  const cpus = machine.cpus ?? SERVER_CLASS_CPUS;
  return memory !== undefined && memory < SERVER_CLASS_BYTES ? 'serial' : cpus < SERVER_CLASS_CPUS ? 'serial' : 'g1';
}

/** G1's region size for a heap: heap / 2048 rounded up to a power of two, from 1 MiB to 32 MiB. */
export function g1RegionBytes(maxHeapBytes: number): number {
  const target = Math.min(Math.max(maxHeapBytes / 2048, MIB), 32 * MIB);
  return 2 ** Math.ceil(Math.log2(target));
}

/**
 * The heap alignment `MaxHeapSize` is rounded up to: the card table's 2 MiB (512-byte cards × 4 KiB
 * pages) for every collector, G1's region size when larger.
 */
export function heapAlignment(gc: JvmGc, maxHeapBytes: number): number {
  return gc === 'g1' ? Math.max(2 * MIB, g1RegionBytes(maxHeapBytes)) : 2 * MIB;
}

function alignUp(bytes: number, alignment: number): number {
  return Math.ceil(bytes / alignment) * alignment;
}

export interface EffectiveHeap {
  /** `MaxHeapSize` as the JVM will print it; undefined when it depends on the node's memory. */
  readonly bytes: number | undefined;
  /** How it was reached, for messages: `-Xmx`, `MaxRAMPercentage 75 of 1Gi`, `default 126 MiB floor`. */
  readonly basis: string;
  /** Whether HotSpot turns compressed oops off for this heap (a percentage above ~32 GiB). */
  readonly compressedOopsOff?: boolean;
}

/** The heap ceiling HotSpot's ergonomics pick (`MaxHeapSize` after `PrintFlagsFinal`). */
export function effectiveMaxHeap(options: HeapOptions, machine: MachineShape, gc: JvmGc): EffectiveHeap {
  if (options.xmx !== undefined) return { bytes: alignUp(options.xmx, heapAlignment(gc, options.xmx)), basis: '-Xmx' };
  // Any percentage, fraction or MaxRAM set by hand means "size from the memory", compressed oops or not.
  const override = options.maxRamPercentage !== undefined || options.minRamPercentage !== undefined || options.initialRamPercentage !== undefined
    || options.maxRamFraction !== undefined || options.minRamFraction !== undefined || options.initialRamFraction !== undefined || options.maxRam !== undefined;
  const physical = options.maxRam ?? (machine.memoryBytes === undefined ? undefined : override ? machine.memoryBytes : Math.min(machine.memoryBytes, DEFAULT_MAX_RAM_BYTES));
  if (physical === undefined) return { bytes: undefined, basis: 'the node\'s memory (no container limit the JVM reads)' };
  const maxPercent = options.maxRamPercentage ?? (options.maxRamFraction ? 100 / options.maxRamFraction : DEFAULT_PERCENT.max);
  const minPercent = options.minRamPercentage ?? (options.minRamFraction ? 100 / options.minRamFraction : DEFAULT_PERCENT.min);
  const source = options.maxRam !== undefined ? 'MaxRAM' : 'the limit';
  const reasonableMin = Math.floor((physical * minPercent) / 100);
  let heap: number;
  let basis: string;
  if (reasonableMin < DEFAULT_MAX_HEAP_BYTES) {
    heap = reasonableMin;
    basis = `MinRAMPercentage ${minPercent} of ${source}`;
  } else {
    const fromMax = Math.floor((physical * maxPercent) / 100);
    heap = Math.max(fromMax, DEFAULT_MAX_HEAP_BYTES);
    basis = fromMax >= DEFAULT_MAX_HEAP_BYTES ? `MaxRAMPercentage ${maxPercent} of ${source}` : `HotSpot's 126 MiB default MaxHeapSize: MaxRAMPercentage ${maxPercent} of ${source} is smaller and MinRAMPercentage ${minPercent} is not`;
  }
  if (options.xms !== undefined && options.xms > heap) {
    heap = options.xms;
    basis = '-Xms (above the ergonomic maximum)';
  }
  // Compressed oops address at most 32 GiB: HotSpot caps a default-sized heap there, and turns them off
  // for a heap sized by percentage beyond it (more memory per object).
  const coopLimit = 32 * GIB - 2 * GIB;
  let compressedOopsOff = false;
  if (heap > coopLimit) {
    if (override) compressedOopsOff = true;
    else heap = coopLimit;
  }
  const bytes = alignUp(heap, heapAlignment(gc, heap));
  return compressedOopsOff ? { bytes, basis, compressedOopsOff } : { bytes, basis };
}

/**
 * The JVM's memory outside the heap as a linear model of the heap size: `fixed + perHeapByte × heap`.
 *
 * Measured with Native Memory Tracking (committed, `-Xms` = `-Xmx`) for a small HTTP service,
 * test/workloads/Service.java, Java 17 (docs/evidence.md, "Runtime model", scripts/runtime-model.ts):
 * - GC structures: Serial 3.3 MiB per GiB of heap (card table, block offset table); Parallel 9 MiB +
 *   37.5 MiB per GiB (mark bitmap); G1 38 MiB + 39 MiB per GiB (two mark bitmaps, remembered sets, card
 *   table, BOT): 46, 77, 198, 350 MiB at 0.25, 1, 4, 8 GiB. ZGC and Shenandoah were not measured and
 *   take G1's figures.
 * - The JVM itself for that service: 26 MiB (CDS archive 11.8, code cache 7.5, metaspace 0.5, symbols and
 *   the rest 5.7), and 0.11 MiB committed stack per thread (2.9 MiB at 20 threads, 22.3 MiB at 200).
 * - What no lab service shows: the application's own classes (metaspace), its JIT-compiled code (the
 *   code cache may reach 240 MiB, `ReservedCodeCacheSize`) and direct buffers. `APPLICATION_ALLOWANCE`
 *   holds them, so that the reserve for a small heap stays at the seed range's lower end (200 MiB).
 */
export const JVM_MEASURED_FLOOR_BYTES = 26 * MIB;
/** Tomcat's default `maxThreads` (200, Tomcat HTTP connector docs) at the measured 0.11 MiB each, rounded up. */
export const JVM_THREAD_STACKS_BYTES = 24 * MIB;
/** Metaspace, code cache and direct buffers of a real application: the part to measure with NMT and configure. */
export const JVM_APPLICATION_ALLOWANCE_BYTES = 150 * MIB;
export const JVM_BASE_BYTES = JVM_MEASURED_FLOOR_BYTES + JVM_THREAD_STACKS_BYTES + JVM_APPLICATION_ALLOWANCE_BYTES;

export const GC_STRUCTURES: Readonly<Record<JvmGc, { readonly fixedBytes: number; readonly perGiBBytes: number; readonly title: string }>> = {
  serial: { fixedBytes: 0, perGiBBytes: 3.3 * MIB, title: 'Serial' },
  parallel: { fixedBytes: 9 * MIB, perGiBBytes: 37.5 * MIB, title: 'Parallel' },
  g1: { fixedBytes: 38 * MIB, perGiBBytes: 39 * MIB, title: 'G1' },
  z: { fixedBytes: 38 * MIB, perGiBBytes: 39 * MIB, title: 'ZGC' },
  shenandoah: { fixedBytes: 38 * MIB, perGiBBytes: 39 * MIB, title: 'Shenandoah' },
};

const MODELS = Object.fromEntries(Object.entries(GC_STRUCTURES).map(([gc, structures]) => [gc, Object.freeze({
  fixedBytes: JVM_BASE_BYTES + structures.fixedBytes, perHeapByte: structures.perGiBBytes / GIB, label: `${structures.title} GC`,
})])) as Readonly<Record<JvmGc, LinearOverhead>>;

export function jvmNonHeapModel(gc: JvmGc): LinearOverhead {
  return MODELS[gc];
}
