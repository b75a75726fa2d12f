/**
 * The Java Virtual Machine (HotSpot and OpenJ9).
 *
 * Sources:
 * - Container support (`-XX:+UseContainerSupport`, on by default) arrived in JDK 10 (JDK-8146115) and
 *   was backported to 8u191 (JDK-8196595); Java 9 and 8 before 8u191 size the heap from the host's RAM.
 * - `MaxRAMPercentage` defaults to 25% of the container limit (java(1) manual, "-XX:MaxRAMPercentage"),
 *   so an untuned JVM in a 2Gi container gets a 512Mi heap; tuned too high it leaves no room for
 *   non-heap memory and the kernel kills it.
 * - Non-heap memory: code cache up to 240 MB with tiered compilation (`ReservedCodeCacheSize`, java(1)),
 *   metaspace (unbounded by default), 1 MB of stack per thread (`-Xss` default on Linux x64), GC data
 *   structures and direct buffers. Native Memory Tracking on typical services shows 200-400 MiB, hence
 *   the upper end, 400 MiB, as the default overhead.
 * - Eclipse OpenJ9 (IBM Semeru images) reads the same `-XX:+UseContainerSupport` and
 *   `-XX:MaxRAMPercentage` options (OpenJ9 command-line docs), so one profile serves HotSpot and OpenJ9;
 *   OpenJ9's own default heap in a container differs (up to 75% of the limit), which only matters when
 *   no flag is set, and jvm-heap-unset reports that case.
 * - `-XX:+ExitOnOutOfMemoryError` (JDK 8u92+, and OpenJ9) makes the JVM exit (code 3) on its first
 *   OutOfMemoryError instead of limping on, so Kubernetes restarts it with the cause in the log.
 */
import { MIB, floorMiB } from '../core/quantity';
import type { Container } from '../core/workload';
import { commandLineTokens, envTokens, imageName, runsBinary, type ImageName } from './options';
import type { Detection, EnvSetting, OptionToken, RuntimeProfile } from './types';

/** Env variables the JVM or its launch scripts read options from, lowest precedence first. */
export const JVM_OPTION_ENV = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', 'JAVA_OPTS', '_JAVA_OPTIONS'] as const;

const JAVA_BINARY = /^java$/;
const JVM_IMAGE = /(openjdk|temurin|corretto|zulu|semeru|adoptopenjdk|liberica|graalvm|jdk|jre|^java$|tomcat|jetty|wildfly|keycloak|spring|kafka|zookeeper|elasticsearch|logstash|cassandra|solr|jenkins|neo4j|flink|spark)/i;

/** Java 8 before 8u191, or Java 9: the JVM ignores the cgroup limit and needs -Xmx. */
export function isLegacyJvmImage(image: string): boolean {
  return imageName(image).fact(legacyJvm);
}

function legacyJvm({ name, tag }: ImageName): boolean {
  if (!JVM_IMAGE.test(name)) return false;
  // The Docker library `java` image stopped at 8u111, before container support.
  if (name === 'java' && /^8/.test(tag)) return true;
  const update = /^(?:8u|1\.8\.0_)(\d+)/.exec(tag) ?? /(?:^|-)(?:jdk|jre)?8u(\d+)/.exec(tag);
  if (update) return Number(update[1]) < 191;
  return /^(?:jdk-?|jre-?)?9(?:$|[.\-+u])/.test(tag);
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

export interface JvmOptions {
  /** Every option token, in precedence order (the last occurrence of a flag wins). */
  readonly tokens: readonly OptionToken[];
  readonly xmx?: { readonly bytes: number; readonly at: OptionToken };
  readonly maxRamPercentage?: { readonly percent: number; readonly at: OptionToken };
  /** Present when `-XX:+UseContainerSupport` or `-XX:-UseContainerSupport` is set explicitly. */
  readonly containerSupport?: { readonly enabled: boolean; readonly at: OptionToken };
}

/**
 * The JVM's memory options from every source, in the order the JVM applies them: JAVA_TOOL_OPTIONS,
 * JDK_JAVA_OPTIONS, JAVA_OPTS (expanded by launch scripts onto the command line), the `java` command
 * line, and _JAVA_OPTIONS last (it overrides the command line).
 */
export function readJvmOptions(container: Container): JvmOptions {
  // Four rules read the same container's options one after another: remember the last container only
  // (a WeakMap would keep every container's entry until a full GC, which a fleet run measurably pays).
  if (container !== lastJvm.container) lastJvm = { container, options: parseJvmOptions(container) };
  return lastJvm.options;
}

let lastJvm: { container?: Container; options: JvmOptions } = { options: { tokens: [] } };

function parseJvmOptions(container: Container): JvmOptions {
  const tokens = [
    ...envTokens(container, ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', 'JAVA_OPTS']),
    ...(commandLineTokens(container, JAVA_BINARY) ?? []),
    ...envTokens(container, ['_JAVA_OPTIONS']),
  ];
  let xmx: JvmOptions['xmx'];
  let maxRamPercentage: JvmOptions['maxRamPercentage'];
  let containerSupport: JvmOptions['containerSupport'];
  for (const at of tokens) {
    const token = unquote(at.token);
    if (token.startsWith('-Xmx')) {
      const bytes = parseJvmSize(token.slice(4));
      if (bytes !== undefined) xmx = { bytes, at };
    } else if (token.startsWith('-XX:MaxHeapSize=')) {
      const bytes = parseJvmSize(token.slice('-XX:MaxHeapSize='.length));
      if (bytes !== undefined) xmx = { bytes, at };
    } else if (token.startsWith('-XX:MaxRAMPercentage=')) {
      const percent = Number(token.slice('-XX:MaxRAMPercentage='.length));
      if (Number.isFinite(percent)) maxRamPercentage = { percent, at };
    } else if (token === '-XX:+UseContainerSupport' || token === '-XX:-UseContainerSupport') {
      containerSupport = { enabled: token[4] === '+', at };
    }
  }
  return { tokens, xmx, maxRamPercentage, containerSupport };
}

/** A token without the quotes a shell string may leave around it (`"-Xmx1g"`). */
function unquote(token: string): string {
  const first = token.charCodeAt(0);
  const last = token.charCodeAt(token.length - 1);
  const quoted = first === 34 || first === 39 || last === 34 || last === 39; // " or '
  return quoted ? token.replace(/^["']|["']$/g, '') : token;
}

/** A percentage with at most one decimal, rounded down so the heap never exceeds its budget. */
export function heapPercentage(limitBytes: number, overheadBytes: number): number {
  const percent = Math.floor(((limitBytes - overheadBytes) / limitBytes) * 1000) / 10;
  return Math.max(1, percent);
}

export const jvm: RuntimeProfile = {
  id: 'jvm',
  title: 'JVM',
  overhead: {
    bytes: 400 * MIB,
    rangeMiB: [200, 400],
    source: 'code cache (240 MB ReservedCodeCacheSize), metaspace, 1 MB per thread stack, GC structures: java(1) manual',
  },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => (JVM_OPTION_ENV as readonly string[]).includes(variable.name));
    const legacy = isLegacyJvmImage(container.image);
    const base = legacy ? { legacyJvm: true } : {};
    if (env) return { runtime: 'jvm', reason: `env ${env.name}`, ...base };
    if (runsBinary(container, JAVA_BINARY)) return { runtime: 'jvm', reason: 'command runs java', ...base };
    if (container.image && imageName(container.image).fact(jvmImage)) return { runtime: 'jvm', reason: `image ${container.image}`, ...base };
    return undefined;
  },
  flags(limitBytes, overheadBytes, options = {}): EnvSetting[] {
    if (options.legacy) {
      return [{ name: 'JAVA_TOOL_OPTIONS', value: `-Xmx${Math.max(1, floorMiB(limitBytes - overheadBytes))}m -XX:+ExitOnOutOfMemoryError` }];
    }
    const percent = heapPercentage(limitBytes, overheadBytes);
    return [{ name: 'JAVA_TOOL_OPTIONS', value: `-XX:+UseContainerSupport -XX:MaxRAMPercentage=${percent.toFixed(1)} -XX:+ExitOnOutOfMemoryError` }];
  },
  supersedes: (token) => /^(-Xmx|-XX:MaxHeapSize=|-XX:MaxRAMPercentage=|-XX:[+-]UseContainerSupport$|-XX:[+-]ExitOnOutOfMemoryError$|-XX:MaxRAMFraction=)/.test(token),
};
