/**
 * The Java Virtual Machine (HotSpot and OpenJ9): every JVM decision oomguard makes is in this file and
 * in jvm-memory.ts (HotSpot's heap ergonomics and the measured non-heap model).
 *
 * Sources:
 * - Container support (`-XX:+UseContainerSupport`, on by default) arrived in JDK 10 (JDK-8146115) and
 *   was backported to 8u191 (JDK-8196595), together with `MaxRAMPercentage`/`MinRAMPercentage`
 *   (JDK-8186248). Java 9 and 8 before 8u191 size the heap from the node's RAM and stop at start-up on
 *   those options ("Unrecognized VM option"), so they get `-Xmx`.
 * - Option precedence (arguments.cpp `Arguments::parse_vm_init_args`, java(1) "JDK_JAVA_OPTIONS"):
 *   `JAVA_TOOL_OPTIONS` is read first by every JVM; `JDK_JAVA_OPTIONS` (JDK 9+, the `java` launcher only)
 *   is prepended to the command line; the command line comes next; `_JAVA_OPTIONS` is read last and
 *   overrides all of them. Within that order the last occurrence of a flag wins. `JAVA_OPTS` is no JVM
 *   variable: launch scripts (catalina.sh, Gradle and Spring Boot start scripts) put it on the command
 *   line, so it counts when a script (or the image's own entrypoint) starts the JVM and not when the
 *   container runs `java` itself.
 * - The `java` launcher reads its own options up to the main class, `-jar FILE` or `-m MODULE`; what
 *   follows is the application's (`java -jar app.jar -Xmx8g` gives `-Xmx8g` to `main`).
 * - `-XX:+ExitOnOutOfMemoryError` (JDK 8u92+, and OpenJ9) makes the JVM exit (code 3) on its first
 *   OutOfMemoryError instead of limping on, so Kubernetes restarts it with the cause in the log.
 * - Eclipse OpenJ9 (IBM Semeru images) reads `-XX:+UseContainerSupport` and `-XX:MaxRAMPercentage` too
 *   and ignores `-XX:` options it does not know (OpenJ9 docs, `-XX:[+|-]IgnoreUnrecognizedXXColonOptions`),
 *   so one set of flags serves both; OpenJ9 applies the percentage as given (no HotSpot floor).
 */
import { MIB, floorMiB } from '../core/quantity';
import type { Container } from '../core/workload';
import {
  DEFAULT_MAX_HEAP_BYTES, effectiveMaxHeap, ergonomicGc, heapAlignment, jvmNonHeapModel, JVM_BASE_BYTES,
  type EffectiveHeap, type HeapOptions, type JvmGc,
} from './jvm-memory';
import { commandLineTokens, envTokens, imageName, runsBinary, type ImageName, type UnknownSource } from './options';
import type { Detection, EnvSetting, MachineShape, OptionToken, RuntimeProfile } from './types';

/** Env variables the JVM or its launch scripts read options from, lowest precedence first. */
export const JVM_OPTION_ENV = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', 'JAVA_OPTS', '_JAVA_OPTIONS'] as const;

const JAVA_BINARY = /^java$/;
const JVM_IMAGE = /(openjdk|temurin|corretto|zulu|semeru|adoptopenjdk|liberica|graalvm|jdk|jre|^java$|tomcat|jetty|wildfly|keycloak|spring|kafka|zookeeper|elasticsearch|logstash|cassandra|solr|jenkins|neo4j|flink|spark)/i;

/**
 * The smallest heap oomguard sets: HotSpot 17 refuses `-Xmx1m` ("Too small maximum heap"; Serial starts
 * from 2 MiB, G1 from 3 MiB, measured), and a service does little useful work below 16 MiB.
 */
export const JVM_MIN_HEAP_BYTES = 16 * MIB;

/** Which JVM an image holds, as far as its name and tag tell. */
export interface JvmVariant {
  /** `hotspot` (OpenJDK builds: Temurin, Corretto, Zulu, Liberica, ...) or `openj9` (Semeru, IBM). */
  readonly vendor: 'hotspot' | 'openj9';
  /** Java feature version from the tag (`8`, `11`, `17`), when the tag says. */
  readonly version?: number;
  /** Update of Java 8 (`8u181` → 181), when the tag says. */
  readonly update?: number;
  /** No container support: Java 8 before 8u191, or Java 9. */
  readonly legacy: boolean;
}

/** Java 8 before 8u191, or Java 9: the JVM ignores the cgroup limit and needs -Xmx. */
export function isLegacyJvmImage(image: string): boolean {
  return jvmVariant(image).legacy;
}

export function jvmVariant(image: string): JvmVariant {
  const name = imageName(image);
  const known = variants.get(name);
  if (known) return known;
  const variant = readVariant(name);
  variants.set(name, variant);
  return variant;
}

const variants = new WeakMap<ImageName, JvmVariant>();

function readVariant({ name, tag }: ImageName): JvmVariant {
  const vendor = /semeru|openj9|ibm/i.test(name) || /openj9/i.test(tag) ? 'openj9' : 'hotspot';
  if (!JVM_IMAGE.test(name)) return { vendor, legacy: false };
  // The Docker library `java` image stopped at 8u111, before container support.
  if (name === 'java' && /^8/.test(tag)) return { vendor, version: 8, legacy: true };
  const update = /^(?:8u|1\.8\.0_)(\d+)/.exec(tag) ?? /(?:^|-)(?:jdk|jre)?8u(\d+)/.exec(tag);
  if (update) return { vendor, version: 8, update: Number(update[1]), legacy: Number(update[1]) < 191 };
  if (/^(?:jdk-?|jre-?)?9(?:$|[.\-+u])/.test(tag)) return { vendor, version: 9, legacy: true };
  const major = /^(?:jdk-?|jre-?|openjdk-?)?(\d{1,2})(?:$|[.\-+u_])/.exec(tag);
  return major ? { vendor, version: Number(major[1]), legacy: false } : { vendor, legacy: false };
}

function jvmImage({ name }: ImageName): boolean {
  return JVM_IMAGE.test(name);
}

/** A JVM size (`-Xmx512m`): digits with an optional k, m, g or t (binary multiples). */
export function parseJvmSize(text: string): number | undefined {
  const match = /^(\d+)([kKmMgGtT]?)$/.exec(text);
  if (!match) return undefined;
  const unit = { '': 1, k: 1024, m: MIB, g: 1024 * MIB, t: 1024 * 1024 * MIB }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(match[1]) * unit;
}

export interface Setting<T> {
  readonly value: T;
  readonly at: OptionToken;
}

export interface JvmOptions {
  /** Every option token the JVM reads, in precedence order (the last occurrence of a flag wins). */
  readonly tokens: readonly OptionToken[];
  readonly xmx?: { readonly bytes: number; readonly at: OptionToken };
  readonly xms?: Setting<number>;
  readonly maxRam?: Setting<number>;
  readonly maxRamPercentage?: { readonly percent: number; readonly at: OptionToken };
  readonly minRamPercentage?: Setting<number>;
  readonly initialRamPercentage?: Setting<number>;
  readonly maxRamFraction?: Setting<number>;
  readonly minRamFraction?: Setting<number>;
  /** Present when `-XX:+UseContainerSupport` or `-XX:-UseContainerSupport` is set explicitly. */
  readonly containerSupport?: { readonly enabled: boolean; readonly at: OptionToken };
  /** A collector chosen by flag (`-XX:+UseG1GC`). */
  readonly gc?: Setting<JvmGc>;
  /** `-XX:ActiveProcessorCount=N`. */
  readonly activeProcessors?: Setting<number>;
  /** Option variables whose value the manifest does not hold (`valueFrom`, `envFrom`, `$(VAR)` of one). */
  readonly unknown: readonly UnknownSource[];
  /** Sources present but not read by this JVM, with the reason (`JAVA_OPTS` when `java` runs directly). */
  readonly ignored: readonly { readonly name: string; readonly reason: string }[];
  /** Tokens after the main class or `-jar FILE`: the application's arguments, not JVM options. */
  readonly applicationArgs: readonly OptionToken[];
}

/** The options the JVM reads, parsed once per container (rules, fixes and facts share them). */
export function readJvmOptions(container: Container): JvmOptions {
  // Several rules read the same container's options one after another: remember the last container
  // only (a WeakMap would keep every container's entry until a full GC, which a fleet run measurably pays).
  if (container !== lastJvm.container) lastJvm = { container, options: parseJvmOptions(container, jvmVariant(container.image)) };
  return lastJvm.options;
}

let lastJvm: { container?: Container; options: JvmOptions } = { options: { tokens: [], unknown: [], ignored: [], applicationArgs: [] } };

/** Launcher options whose value is the next word (java(1), "Standard Options for Java"). */
const LAUNCHER_VALUE_OPTIONS = new Set(['-cp', '-classpath', '--class-path', '-p', '--module-path', '--upgrade-module-path', '--add-modules', '--add-reads', '--add-exports', '--add-opens', '--limit-modules', '--patch-module', '--source', '--enable-native-access']);

/** Split the words after `java` into launcher options and the application's arguments. */
function launcherOptions(words: readonly OptionToken[]): { options: OptionToken[]; application: OptionToken[] } {
  for (let index = 0; index < words.length; index++) {
    const word = unquote(words[index].token);
    if (word === '-jar' || word === '-m' || word === '--module') return { options: words.slice(0, index), application: words.slice(index + 2) };
    if (word.startsWith('--module=')) return { options: words.slice(0, index), application: words.slice(index + 1) };
    if (LAUNCHER_VALUE_OPTIONS.has(word)) {
      index++;
      continue;
    }
    // The first word that is no option is the main class (or a shell operator ending the command).
    if (!word.startsWith('-')) return { options: words.slice(0, index), application: words.slice(index + 1) };
  }
  return { options: [...words], application: [] };
}

/** The option variables one at a time, in precedence order (envTokens takes a list). */
const JAVA_TOOL_OPTIONS = ['JAVA_TOOL_OPTIONS'] as const;
const JDK_JAVA_OPTIONS = ['JDK_JAVA_OPTIONS'] as const;
const JAVA_OPTS = ['JAVA_OPTS'] as const;
const UNDERSCORE_JAVA_OPTIONS = ['_JAVA_OPTIONS'] as const;
const NO_TOKENS: readonly OptionToken[] = Object.freeze([]);

const SHELL_VARIABLE = /^["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?["']?$/;

function parseJvmOptions(container: Container, variant: JvmVariant): JvmOptions {
  const unknown: UnknownSource[] = [];
  const ignored: { name: string; reason: string }[] = [];
  const commandWords = commandLineTokens(container, JAVA_BINARY, unknown);
  // A shell command (`sh -c "java $JAVA_OPTS -jar app.jar"`) names option variables itself: the shell
  // puts their words where the name stands.
  let referencesJavaOpts = false;
  const expanded: OptionToken[] = [];
  for (const word of commandWords ?? []) {
    const variable = SHELL_VARIABLE.exec(word.token)?.[1];
    if (variable && (JVM_OPTION_ENV as readonly string[]).includes(variable)) {
      if (variable === 'JAVA_OPTS') referencesJavaOpts = true;
      expanded.push(...envTokens(container, [variable], unknown));
    } else {
      expanded.push(word);
    }
  }
  const { options: commandLine, application } = launcherOptions(expanded);
  // JAVA_OPTS reaches the JVM only through a launch script: not when the container runs java itself.
  const javaOptsRead = commandWords === undefined || referencesJavaOpts;
  if (!javaOptsRead && container.env.some((variable) => variable.name === 'JAVA_OPTS')) {
    ignored.push({ name: 'JAVA_OPTS', reason: 'the container runs java itself, and java reads JAVA_TOOL_OPTIONS, not JAVA_OPTS' });
  }
  const jdkOptionsRead = variant.version === undefined || variant.version >= 9;
  if (!jdkOptionsRead && container.env.some((variable) => variable.name === 'JDK_JAVA_OPTIONS')) {
    ignored.push({ name: 'JDK_JAVA_OPTIONS', reason: `Java ${variant.version} predates JDK_JAVA_OPTIONS (JDK 9)` });
  }
  const tokens = [
    ...envTokens(container, JAVA_TOOL_OPTIONS, unknown),
    ...(jdkOptionsRead ? envTokens(container, JDK_JAVA_OPTIONS, unknown) : NO_TOKENS),
    ...(javaOptsRead && !referencesJavaOpts ? envTokens(container, JAVA_OPTS, unknown) : NO_TOKENS),
    ...commandLine,
    ...envTokens(container, UNDERSCORE_JAVA_OPTIONS, unknown),
  ];
  // envFrom may set any of them: one entry says so.
  const unknownSources = unknown.filter((entry, index) => entry.how !== 'envFrom' || unknown.findIndex((other) => other.how === 'envFrom') === index);
  let xmx: JvmOptions['xmx'];
  let xms: JvmOptions['xms'];
  let maxRam: JvmOptions['maxRam'];
  let maxRamPercentage: JvmOptions['maxRamPercentage'];
  let minRamPercentage: JvmOptions['minRamPercentage'];
  let initialRamPercentage: JvmOptions['initialRamPercentage'];
  let maxRamFraction: JvmOptions['maxRamFraction'];
  let minRamFraction: JvmOptions['minRamFraction'];
  let activeProcessors: JvmOptions['activeProcessors'];
  let containerSupport: JvmOptions['containerSupport'];
  let gc: JvmOptions['gc'];
  for (const at of tokens) {
    const token = unquote(at.token);
    // Every option of interest starts with -X: one check skips the rest (a fleet has many -D options).
    if (token.charCodeAt(0) !== 45 || token.charCodeAt(1) !== 88) continue;
    if (token.startsWith('-Xmx')) {
      const bytes = parseJvmSize(token.slice(4));
      if (bytes !== undefined) xmx = { bytes, at };
    } else if (token.startsWith('-Xms')) {
      const value = parseJvmSize(token.slice(4));
      if (value !== undefined) xms = { value, at };
    } else if (token.startsWith('-XX:')) {
      const equals = token.indexOf('=');
      if (equals < 0) {
        if (token === '-XX:+UseContainerSupport' || token === '-XX:-UseContainerSupport') containerSupport = { enabled: token[4] === '+', at };
        else if (GC_FLAGS[token]) gc = { value: GC_FLAGS[token], at };
        continue;
      }
      const name = token.slice(4, equals);
      const text = token.slice(equals + 1);
      if (name === 'MaxHeapSize' || name === 'InitialHeapSize' || name === 'MaxRAM') {
        const value = parseJvmSize(text);
        if (value === undefined) continue;
        if (name === 'MaxHeapSize') xmx = { bytes: value, at };
        else if (name === 'InitialHeapSize') xms = { value, at };
        else maxRam = { value, at };
        continue;
      }
      const value = text === '' ? NaN : Number(text);
      if (!Number.isFinite(value)) continue;
      if (name === 'MaxRAMPercentage') maxRamPercentage = { percent: value, at };
      else if (name === 'MinRAMPercentage') minRamPercentage = { value, at };
      else if (name === 'InitialRAMPercentage') initialRamPercentage = { value, at };
      else if (name === 'MaxRAMFraction') maxRamFraction = { value, at };
      else if (name === 'MinRAMFraction') minRamFraction = { value, at };
      else if (name === 'ActiveProcessorCount') activeProcessors = { value, at };
    }
  }
  // One literal (the same keys in the same order as before), not a spread of a second object: once per JVM container.
  return {
    xmx, xms, maxRam, maxRamPercentage, minRamPercentage, initialRamPercentage, maxRamFraction, minRamFraction, activeProcessors, containerSupport, gc,
    tokens,
    unknown: unknownSources,
    ignored,
    applicationArgs: application,
  };
}

function isJvmGc(value: string | undefined): value is JvmGc {
  return value !== undefined && Object.values(GC_FLAGS).includes(value as JvmGc);
}

const GC_FLAGS: Readonly<Record<string, JvmGc>> = {
  '-XX:+UseSerialGC': 'serial', '-XX:+UseG1GC': 'g1', '-XX:+UseParallelGC': 'parallel', '-XX:+UseZGC': 'z', '-XX:+UseShenandoahGC': 'shenandoah',
};

/** A token without the quotes a shell string may leave around it (`"-Xmx1g"`). */
function unquote(token: string): string {
  const first = token.charCodeAt(0);
  const last = token.charCodeAt(token.length - 1);
  const quoted = first === 34 || first === 39 || last === 34 || last === 39; // " or '
  return quoted ? token.replace(/^["']|["']$/g, '') : token;
}

/** Heap-related option values as the ergonomics model takes them (one fixed shape, unset fields undefined). */
export function heapOptions(options: JvmOptions): HeapOptions {
  return {
    xmx: options.xmx?.bytes,
    xms: options.xms?.value,
    maxRam: options.maxRam?.value,
    maxRamPercentage: options.maxRamPercentage?.percent,
    minRamPercentage: options.minRamPercentage?.value,
    initialRamPercentage: options.initialRamPercentage?.value,
    maxRamFraction: options.maxRamFraction?.value,
    minRamFraction: options.minRamFraction?.value,
  };
}

/** What a JVM container will really do with its memory. */
export interface JvmFacts {
  readonly variant: JvmVariant;
  readonly options: JvmOptions;
  /** Whether the JVM reads the container limit (container support on, not a legacy JVM, no MaxRAM override). */
  readonly containerAware: boolean;
  /** The collector it runs: chosen by flag, else HotSpot's own pick for the container. */
  readonly gc: JvmGc;
  readonly gcChosenBy: 'flag' | 'ergonomics';
  /** The heap ceiling it will really use (`MaxHeapSize`), with how it was reached. */
  readonly heap: EffectiveHeap;
  /** Whether the heap was set by the user at all (-Xmx, a percentage, a fraction, MaxRAM). */
  readonly heapSet: boolean;
  /** A percentage option a legacy JVM does not know: it stops at start-up. */
  readonly unrecognized?: OptionToken;
}

/** The JVM facts for a container limited to `limitBytes` (undefined: no limit). */
export function jvmFacts(container: Container, limitBytes: number | undefined, cpus: number | undefined, legacyOverride?: boolean): JvmFacts {
  const variant = legacyOverride === undefined ? jvmVariant(container.image) : { ...jvmVariant(container.image), legacy: legacyOverride };
  const options = readJvmOptions(container);
  const containerAware = !variant.legacy && options.containerSupport?.enabled !== false;
  const memoryBytes = containerAware ? limitBytes : undefined;
  const machine: MachineShape = cpus !== undefined || options.activeProcessors ? { memoryBytes, cpus: options.activeProcessors?.value ?? cpus } : { memoryBytes };
  const gc = options.gc?.value ?? ergonomicGc(machine);
  const heapInputs = heapOptions(options);
  // A legacy JVM knows -Xmx and the fractions, not the percentages (it refuses them at start-up).
  const unrecognized = variant.legacy ? (options.maxRamPercentage?.at ?? options.minRamPercentage?.at ?? options.initialRamPercentage?.at ?? options.containerSupport?.at) : undefined;
  const heap = variant.vendor === 'openj9' && options.xmx === undefined && options.maxRamPercentage !== undefined && machine.memoryBytes !== undefined
    ? { bytes: Math.floor((machine.memoryBytes * options.maxRamPercentage.percent) / 100), basis: `MaxRAMPercentage ${options.maxRamPercentage.percent} of the limit (OpenJ9)` }
    : effectiveMaxHeap(heapInputs, machine, gc);
  const heapSet = options.xmx !== undefined || options.maxRamPercentage !== undefined || options.minRamPercentage !== undefined || options.maxRamFraction !== undefined || options.maxRam !== undefined;
  const gcChosenBy = options.gc ? 'flag' : 'ergonomics';
  return unrecognized
    ? { variant, options, containerAware, gc, gcChosenBy, heap, heapSet, unrecognized }
    : { variant, options, containerAware, gc, gcChosenBy, heap, heapSet };
}

/** A percentage with at most one decimal, rounded down so the heap never exceeds its budget. */
export function heapPercentage(limitBytes: number, overheadBytes: number): number {
  const percent = Math.floor(((limitBytes - overheadBytes) / limitBytes) * 1000) / 10;
  return Math.max(0.1, percent);
}

/**
 * The percentage of `limitBytes` whose heap, after HotSpot aligns it up, stays within `heapBytes`.
 * `MinRAMPercentage` is set to the same value: without it HotSpot never goes below its 126 MiB default
 * below a limit of about 526 MiB (test/jvm-ergonomics.test.ts shows both, in real cgroups).
 */
export function percentageFor(limitBytes: number, heapBytes: number): number {
  // A fleet asks for the same few limits and budgets again and again, and each answer walks the
  // ergonomics down a tenth at a time: remember the answers (a pure function of two numbers).
  const key = `${limitBytes}/${heapBytes}`;
  let percent = percentages.get(key);
  if (percent === undefined) {
    if (percentages.size >= 4096) percentages.clear();
    percentages.set(key, (percent = searchPercentage(limitBytes, heapBytes)));
  }
  return percent;
}

const percentages = new Map<string, number>();

function searchPercentage(limitBytes: number, heapBytes: number): number {
  const gc = ergonomicGc({ memoryBytes: limitBytes });
  // HotSpot takes 0 to 100 percent; a budget above the limit (a tiny limit and the minimum heap) gets 100.
  let tenths = Math.min(1000, Math.max(1, Math.floor((heapBytes / limitBytes) * 1000)));
  while (tenths > 1 && (effectiveMaxHeap({ maxRamPercentage: tenths / 10, minRamPercentage: tenths / 10 }, { memoryBytes: limitBytes }, gc).bytes ?? 0) > heapBytes) tenths--;
  return tenths / 10;
}

/**
 * The `-Xmx` in MiB for a heap of at most `heapBytes`: HotSpot rounds -Xmx up to its heap alignment
 * (2 MiB, or G1's region size), so it is rounded down to that first; never below the minimum heap.
 */
export function xmxMiBFor(heapBytes: number): number {
  const alignment = heapAlignment('g1', heapBytes);
  return floorMiB(Math.max(JVM_MIN_HEAP_BYTES, Math.floor(heapBytes / alignment) * alignment));
}

function jvmSettings(limitBytes: number, heapBytes: number, options: { legacy?: boolean } = {}): EnvSetting[] {
  const heap = Math.max(JVM_MIN_HEAP_BYTES, heapBytes);
  if (options.legacy) return [{ name: 'JAVA_TOOL_OPTIONS', value: `-Xmx${xmxMiBFor(heap)}m -XX:+ExitOnOutOfMemoryError` }];
  const percent = percentageFor(limitBytes, heap).toFixed(1);
  return [{ name: 'JAVA_TOOL_OPTIONS', value: `-XX:+UseContainerSupport -XX:MaxRAMPercentage=${percent} -XX:MinRAMPercentage=${percent} -XX:+ExitOnOutOfMemoryError` }];
}

/** Whether a (unquoted) token sets the heap ceiling or how it is sized. */
export function isJvmHeapOption(token: string): boolean {
  return /^(-Xmx|-XX:MaxHeapSize=|-XX:MaxRAMPercentage=|-XX:MinRAMPercentage=|-XX:MaxRAMFraction=|-XX:MinRAMFraction=|-XX:MaxRAM=|-XX:-UseContainerSupport$)/.test(token);
}

export const jvm: RuntimeProfile = {
  id: 'jvm',
  title: 'JVM',
  slowStart: true,
  minHeapBytes: JVM_MIN_HEAP_BYTES,
  overhead: {
    bytes: JVM_BASE_BYTES,
    rangeMiB: [200, 400],
    source: 'Native Memory Tracking of a small service plus an application allowance, and GC structures per GiB of heap (lib/runtimes/jvm-memory.ts, docs/evidence.md)',
  },
  overheadModel: (machine) => jvmNonHeapModel(isJvmGc(machine.collector) ? machine.collector : ergonomicGc(machine)),
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => (JVM_OPTION_ENV as readonly string[]).includes(variable.name));
    const legacy = isLegacyJvmImage(container.image);
    let reason: string | undefined;
    if (env) reason = `env ${env.name}`;
    else if (runsBinary(container, JAVA_BINARY)) reason = 'command runs java';
    else if (container.image && imageName(container.image).fact(jvmImage)) reason = `image ${container.image}`;
    if (reason === undefined) return undefined;
    return legacy ? { runtime: 'jvm', reason, legacyJvm: true } : { runtime: 'jvm', reason };
  },
  settings: jvmSettings,
  flags: (limitBytes, overheadBytes, options = {}) => jvmSettings(limitBytes, limitBytes - overheadBytes, options),
  supersedes: (token) => /^(-Xmx|-XX:MaxHeapSize=|-XX:MaxRAMPercentage=|-XX:MinRAMPercentage=|-XX:[+-]UseContainerSupport$|-XX:[+-]ExitOnOutOfMemoryError$|-XX:MaxRAMFraction=|-XX:MinRAMFraction=)/.test(token),
};

export { DEFAULT_MAX_HEAP_BYTES };
