/**
 * Policy configuration: the sizing knobs each policy accepts through `--policy-pack-config`, as a
 * JSON schema the Pulumi CLI validates (and fills defaults from), and their reading into the engine's
 * `SizingConfig`.
 *
 * Every policy takes the same two settings, so one config file can set them for the whole pack; they
 * change numbers only in rules that size (limit below peak, heap above limit, the recommendation in a
 * missing-limit message). Defaults are the engine's: `DEFAULT_FACTOR` (lib/sizing/formula.ts) and each
 * runtime profile's overhead (lib/runtimes/<id>.ts, which cites its source range).
 */
import type { PolicyConfigSchema } from '@pulumi/policy';
import { DEFAULT_SIZING, MIB, PROFILES, RUNTIME_IDS, defaultOverheadBytes, type SizingConfig } from '../../lib';

/** Runtime keys of `overheadMiB`: every runtime profile, plus `unknown`. */
export const OVERHEAD_KEYS = [...RUNTIME_IDS, 'unknown'] as const;
type OverheadKey = (typeof OVERHEAD_KEYS)[number];

/** What `args.getConfig()` returns for an oomguard policy (enforcementLevel is the CLI's own key). */
export interface SizingPolicyConfig {
  /** @default 1.5 (DEFAULT_FACTOR) */
  readonly factor?: number;
  /** Overhead per runtime in MiB. @default each profile's overhead (JVM: the measured model; Node.js 100, Go 50, Python 100, ...) */
  readonly overheadMiB?: Partial<Record<OverheadKey, number>>;
}

function overheadDescription(key: OverheadKey): string {
  if (key === 'unknown') return 'Overhead in MiB for a container whose runtime is not known (no flag caps it).';
  const { title, overhead } = PROFILES[key];
  if (key === 'jvm') return `${title} overhead in MiB beyond the heap, as a constant. Unset: the measured model (${overhead.rangeMiB[0]} MiB and up, GC structures grow with the heap; ${overhead.source}).`;
  return `${title} overhead in MiB beyond its own ceiling; documented range ${overhead.rangeMiB[0]}-${overhead.rangeMiB[1]} MiB (${overhead.source}).`;
}

/** Runtimes whose default overhead is a constant (the JVM's is a model and has no default number). */
const CONSTANT_KEYS = OVERHEAD_KEYS.filter((key) => key !== 'jvm');
const constantDefaults = () => Object.fromEntries(CONSTANT_KEYS.map((key) => [key, defaultOverheadBytes(key) / MIB]));

/** The config schema every oomguard policy declares. Bounds match schemas/config.schema.json (factor 1-10). */
export const SIZING_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    factor: {
      type: 'number',
      minimum: 1,
      maximum: 10,
      default: DEFAULT_SIZING.factor,
      description: 'Headroom multiplier over the measured peak (oomguard.io/peak-rss): limit = ceil_Mi(peak x factor + runtime overhead).',
    },
    overheadMiB: {
      type: 'object',
      additionalProperties: false,
      description: 'Memory each runtime needs beyond its own ceiling (heap flag, GOMEMLIMIT), in MiB. Runtimes not named keep their default.',
      default: constantDefaults(),
      properties: Object.fromEntries(
        OVERHEAD_KEYS.map((key) => [key, {
          type: 'integer',
          minimum: 0,
          maximum: 65536,
          ...(key === 'jvm' ? {} : { default: defaultOverheadBytes(key) / MIB }),
          description: overheadDescription(key),
        }]),
      ),
    },
  },
};

/**
 * The engine's sizing from a policy's config. The CLI has validated it against the schema; this
 * checks again because a harness (or an older CLI) may not, and a bad number must not size silently.
 */
export function sizingFromConfig(config: SizingPolicyConfig | undefined): SizingConfig {
  const factor = config?.factor ?? DEFAULT_SIZING.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 10) {
    throw new RangeError(`oomguard policy config: factor must be a number from 1 to 10, got ${JSON.stringify(factor)}`);
  }
  const overheads: Partial<Record<OverheadKey, number>> = { ...DEFAULT_SIZING.overheads };
  for (const [key, value] of Object.entries(config?.overheadMiB ?? {})) {
    if (!(OVERHEAD_KEYS as readonly string[]).includes(key)) {
      throw new RangeError(`oomguard policy config: overheadMiB.${key} is not a runtime; use one of ${OVERHEAD_KEYS.join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65536) {
      throw new RangeError(`oomguard policy config: overheadMiB.${key} must be a whole number of MiB from 0 to 65536, got ${JSON.stringify(value)}`);
    }
    // The CLI sends every schema default: a constant equal to the runtime's own is no setting at all.
    if (key !== 'jvm' && value * MIB === defaultOverheadBytes(key as OverheadKey)) continue;
    overheads[key as OverheadKey] = value * MIB;
  }
  return { factor, overheads };
}

/** The schema defaults as a config object: what the Pulumi CLI sends in `Configure` when nothing is set. */
export function defaultConfig(): Required<SizingPolicyConfig> {
  return {
    factor: DEFAULT_SIZING.factor,
    overheadMiB: constantDefaults() as Partial<Record<OverheadKey, number>>,
  };
}
