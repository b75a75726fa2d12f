/**
 * Runtime profiles for the cdk8s constructs: the built-in ones (JVM, Node.js, Go, Python, .NET, Ruby)
 * as value objects, with overrides for overhead and factor, and profiles for runtimes oomguard does not
 * know, described as data and validated against schemas/runtime-profile.schema.json.
 *
 * Sizing itself is the one formula of lib/sizing/formula.ts: a built-in profile with default overhead
 * and factor synthesizes exactly what `oomguard generate` prints.
 */
import Ajv from 'ajv';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { MIB, describeBytes, parseQuantity } from '../core/quantity';
import { PROFILES, RUNTIME_IDS, isRuntimeId, type RuntimeId } from '../runtimes';
import { DEFAULT_FACTOR, validateFactor } from '../sizing/formula';
import profileSchema from '../../schemas/runtime-profile.schema.json';

/** A runtime profile as data: the shape of schemas/runtime-profile.schema.json. */
export interface RuntimeProfileSpec {
  /** Kebab-case name. */
  readonly id: string;
  /** Human name used in messages. @default the base profile's title, else the id */
  readonly title?: string;
  /** Built-in profile whose flags and probe defaults this one keeps. @default none: a custom runtime */
  readonly extends?: RuntimeId;
  /** Overhead beyond the measured peak, a Kubernetes quantity. @default the base profile's overhead */
  readonly overhead?: string;
  /** Where the overhead figure comes from; required with `overhead`. */
  readonly overheadSource?: string;
  /** Headroom multiplier over the peak. @default 1.5 */
  readonly factor?: number;
  /** With `extends: jvm`: a JVM without container support gets `-Xmx`. @default false */
  readonly legacyJvm?: boolean;
  /** Whether a startup probe is generated. @default true for the JVM, false otherwise */
  readonly slowStart?: boolean;
  /** Variables telling the runtime its ceiling; values may use `{{ceilingMiB}}` and friends. @default none */
  readonly env?: readonly { readonly name: string; readonly value: string }[];
}

/** Thrown when a runtime profile does not match schemas/runtime-profile.schema.json. */
export class RuntimeProfileError extends Error {
  constructor(readonly where: string, readonly problems: readonly string[]) {
    super(`${where}: invalid runtime profile:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'RuntimeProfileError';
  }
}

let compiled: ReturnType<Ajv['compile']> | undefined;

/** Validate a runtime profile against schemas/runtime-profile.schema.json; throws RuntimeProfileError. */
export function validateRuntimeProfile(data: unknown, where = 'runtime profile'): RuntimeProfileSpec {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(profileSchema);
  const problems: string[] = [];
  if (!compiled(data)) {
    for (const error of compiled.errors ?? []) {
      // `if`/`then` failures repeat the real error (a missing property) already listed.
      if (error.keyword === 'if') continue;
      const params = error.params as Record<string, unknown>;
      const detail = 'allowedValues' in params ? ` (allowed: ${(params.allowedValues as string[]).join(', ')})`
        : 'additionalProperty' in params ? `: "${String(params.additionalProperty)}"`
        : 'allowedValue' in params ? ` (allowed: ${String(params.allowedValue)})` : '';
      problems.push(`${error.instancePath || '/'} ${error.message ?? 'is invalid'}${detail}`);
    }
  } else {
    const spec = data as RuntimeProfileSpec;
    if (!spec.extends && isRuntimeId(spec.id)) {
      problems.push(`/id "${spec.id}" is a built-in runtime: set "extends": "${spec.id}" to override it`);
    }
    if (spec.overhead !== undefined) {
      const parsed = parseQuantity(spec.overhead);
      if (!parsed.ok) problems.push(`/overhead "${spec.overhead}" ${parsed.reason}`);
    }
  }
  if (problems.length > 0) throw new RuntimeProfileError(where, problems);
  return data as RuntimeProfileSpec;
}

/** Bytes in a cdk8s Size (which counts in KiB at the finest). */
export function sizeToBytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

const registry = new Map<string, Runtime>();

/**
 * A runtime profile as the constructs use it: which flags tell the runtime its ceiling, the overhead
 * added to the measured peak, and the headroom factor.
 */
export class Runtime {
  /** The JVM (HotSpot, OpenJ9) with container support: `-XX:MaxRAMPercentage` and `MinRAMPercentage`; the measured non-heap model (lib/runtimes/jvm-memory.ts). */
  public static readonly JVM = Runtime.builtIn('jvm');
  /** Node.js: `--max-old-space-size` in NODE_OPTIONS. 100Mi overhead (lib/runtimes/node.ts). */
  public static readonly NODE = Runtime.builtIn('node');
  /** Go 1.19+: GOMEMLIMIT. 50Mi overhead (lib/runtimes/go.ts). */
  public static readonly GO = Runtime.builtIn('go');
  /** CPython: MALLOC_ARENA_MAX=2, the limit is the ceiling. 100Mi overhead (lib/runtimes/python.ts). */
  public static readonly PYTHON = Runtime.builtIn('python');
  /** .NET (lib/runtimes/dotnet.ts). */
  public static readonly DOTNET = Runtime.builtIn('dotnet');
  /** Ruby (lib/runtimes/ruby.ts). */
  public static readonly RUBY = Runtime.builtIn('ruby');

  /** A JVM without container support (Java 8 before 8u191, Java 9): gets `-Xmx` instead of a percentage. */
  public static legacyJvm(): Runtime {
    return Runtime.fromProfile({ id: 'jvm-legacy', extends: 'jvm', legacyJvm: true });
  }

  /**
   * A built-in runtime by id, or one added with `Runtime.register`. Throws for any other name, so a
   * misspelt runtime fails at construction rather than producing an unsized container.
   */
  public static of(id: string): Runtime {
    if (isRuntimeId(id)) return Runtime.builtIn(id);
    const registered = registry.get(id);
    if (registered) return registered;
    const known = [...RUNTIME_IDS, ...registry.keys()].join(', ');
    throw new Error(`unknown runtime "${id}": oomguard knows ${known}; describe another one with Runtime.register({ id: "${id}", overhead: "...", overheadSource: "..." })`);
  }

  /** A profile from data (a JSON or YAML file's content), validated against schemas/runtime-profile.schema.json. */
  public static fromProfile(spec: RuntimeProfileSpec, where?: string): Runtime {
    const valid = validateRuntimeProfile(spec, where ?? `runtime profile "${String((spec as { id?: unknown }).id)}"`);
    const base = valid.extends;
    const overheadBytes = valid.overhead !== undefined
      ? (parseQuantity(valid.overhead) as { bytes: number }).bytes
      : PROFILES[base as RuntimeId].overhead.bytes;
    return new Runtime({
      id: valid.id,
      title: valid.title ?? (base ? PROFILES[base].title : valid.id),
      base,
      overheadBytes,
      overheadConfigured: valid.overhead !== undefined,
      overheadSource: valid.overheadSource ?? PROFILES[base as RuntimeId].overhead.source,
      factor: valid.factor ?? DEFAULT_FACTOR,
      legacyJvm: valid.legacyJvm === true,
      slowStart: valid.slowStart ?? (base !== undefined && PROFILES[base].slowStart),
      env: valid.env ?? [],
    });
  }

  /** Validate and register a profile so `Runtime.of(id)` finds it. Re-registering an id replaces it. */
  public static register(spec: RuntimeProfileSpec): Runtime {
    const runtime = Runtime.fromProfile(spec);
    if (isRuntimeId(runtime.id)) throw new Error(`runtime "${runtime.id}" is built in and cannot be registered: use Runtime.of("${runtime.id}").withOverhead(...)`);
    registry.set(runtime.id, runtime);
    return runtime;
  }

  private static builtIn(id: RuntimeId): Runtime {
    const profile = PROFILES[id];
    return new Runtime({
      id,
      title: profile.title,
      base: id,
      overheadBytes: profile.overhead.bytes,
      overheadConfigured: false,
      overheadSource: profile.overhead.source,
      factor: DEFAULT_FACTOR,
      legacyJvm: false,
      slowStart: profile.slowStart,
      env: [],
    });
  }

  /** The profile's name (`jvm`, or a custom id). */
  public readonly id: string;
  public readonly title: string;
  /** The built-in profile whose flags are generated; undefined for a custom runtime. */
  public readonly base: RuntimeId | undefined;
  /**
   * Overhead added to the peak, in bytes: the configured constant, or (not configured) the runtime's
   * own figure, which for the JVM is the fixed part of its measured model (GC structures grow with the heap).
   */
  public readonly overheadBytes: number;
  /** Whether the overhead was set (`withOverhead`, a profile's `overhead`): a constant that replaces the runtime's model. */
  public readonly overheadConfigured: boolean;
  /** Where the overhead comes from. */
  public readonly overheadSource: string;
  public readonly factor: number;
  public readonly legacyJvm: boolean;
  public readonly slowStart: boolean;
  /** Extra variables (custom runtimes), with placeholders. */
  public readonly env: readonly { readonly name: string; readonly value: string }[];

  private constructor(fields: {
    id: string; title: string; base: RuntimeId | undefined; overheadBytes: number; overheadConfigured: boolean; overheadSource: string;
    factor: number; legacyJvm: boolean; slowStart: boolean; env: readonly { name: string; value: string }[];
  }) {
    this.id = fields.id;
    this.title = fields.title;
    this.base = fields.base;
    this.overheadBytes = fields.overheadBytes;
    this.overheadConfigured = fields.overheadConfigured;
    this.overheadSource = fields.overheadSource;
    this.factor = fields.factor;
    this.legacyJvm = fields.legacyJvm;
    this.slowStart = fields.slowStart;
    this.env = fields.env;
  }

  /** The overhead as a cdk8s Size. */
  public get overhead(): Size {
    return Size.kibibytes(Math.ceil(this.overheadBytes / 1024));
  }

  /**
   * The same runtime with another overhead. `source` says where the figure comes from (a Native
   * Memory Tracking summary, a measurement); it is kept for documentation and messages.
   */
  public withOverhead(overhead: Size, source: string): Runtime {
    const bytes = sizeToBytes(overhead);
    if (!(bytes > 0)) throw new Error(`runtime ${this.id}: overhead must be positive, got ${describeBytes(bytes)}`);
    if (!source || source.trim().length < 3) throw new Error(`runtime ${this.id}: say where the overhead ${describeBytes(bytes)} comes from (source)`);
    return new Runtime({ ...this.fields(), overheadBytes: bytes, overheadConfigured: true, overheadSource: source });
  }

  /** The same runtime with another headroom factor (1 to 10; the default 1.5 is in lib/sizing/formula.ts). */
  public withFactor(factor: number): Runtime {
    const problem = validateFactor(factor);
    if (problem) throw new Error(`runtime ${this.id}: factor ${problem}`);
    return new Runtime({ ...this.fields(), factor });
  }

  /** Whether overhead and factor are the built-in defaults (the output then equals `oomguard generate`). */
  public get isDefaultSizing(): boolean {
    return this.base !== undefined && this.factor === DEFAULT_FACTOR && !this.overheadConfigured;
  }

  public toString(): string {
    return `${this.title} (overhead ${describeBytes(this.overheadBytes)}, factor ${this.factor})`;
  }

  private fields() {
    return {
      id: this.id, title: this.title, base: this.base, overheadBytes: this.overheadBytes, overheadConfigured: this.overheadConfigured, overheadSource: this.overheadSource,
      factor: this.factor, legacyJvm: this.legacyJvm, slowStart: this.slowStart, env: this.env,
    };
  }
}

/** Fill a custom runtime's env template for a limit and overhead (bytes). */
export function fillTemplate(template: string, limitBytes: number, overheadBytes: number): string {
  const ceiling = Math.max(0, limitBytes - overheadBytes);
  const values: Record<string, string> = {
    limitMiB: String(Math.floor(limitBytes / MIB)),
    ceilingMiB: String(Math.max(1, Math.floor(ceiling / MIB))),
    ceilingPercent: (Math.max(1, Math.floor((ceiling / limitBytes) * 1000) / 10)).toFixed(1),
    limitBytes: String(limitBytes),
    ceilingBytes: String(ceiling),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}
