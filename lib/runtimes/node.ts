/**
 * Node.js (V8): every Node.js decision oomguard makes is in this file.
 *
 * Sources:
 * - V8 picks its own old-space ceiling. Node.js 20 reads the cgroup limit (`process.constrainedMemory()`)
 *   and sets the ceiling to about half of it, but never below ~259 MiB; older Node.js versions size it
 *   from the host's memory. Measured here (docs/evidence.md): in a 256Mi container the default ceiling
 *   (259Mi) is above the limit and the process is killed at the limit (137) before V8 collects.
 *   `--max-old-space-size=<MiB>` (Node.js CLI docs) sets the old space; in NODE_OPTIONS it reaches every
 *   node process the container starts.
 * - The heap ceiling is the old space plus the young generation, which V8 sizes from the memory it sees
 *   (the container limit), not from the flag: `heap_size_limit` is the flag + 3 MiB up to a 512Mi limit,
 *   + 12 MiB up to 1Gi, + 24 MiB up to 2Gi and + 48 MiB above (three semi-spaces of 1, 4, 8, 16 MiB;
 *   measured with `v8.getHeapStatistics()` in real cgroups, docs/evidence.md "Runtime model").
 * - Outside the V8 heap: the node binary and its libraries, code space, Buffers and ArrayBuffers
 *   (external memory, not limited by any heap flag) and libuv: 50-100 MiB, hence 100 MiB.
 * - NODE_OPTIONS is split by Node itself (src/node_options.cc): whitespace separates, double quotes group
 *   and are removed, single quotes are ordinary characters. So `'--max-old-space-size=512'` is no option
 *   and is silently ignored; `--max-old-space-size 4096` (space form), or a value that is not a whole
 *   number, makes node exit 9 at start-up ("illegal value for flag"), in NODE_OPTIONS and on the command
 *   line alike. Checked with node 20 in test/runtime-options.test.ts.
 * - The last occurrence wins; the command line wins over NODE_OPTIONS; words after the script are the
 *   script's arguments.
 */
import { MIB, floorMiB } from '../core/quantity';
import type { Container } from '../core/workload';
import { commandLineTokens, envTokens, imageName, runsBinary, type ImageName, type UnknownSource } from './options';
import type { Detection, EnvSetting, OptionToken, RuntimeProfile } from './types';

const NODE_BINARY = /^(node|nodejs)$/;
const NODE_LAUNCHERS = /^(node|nodejs|npm|npx|yarn|pnpm)$/;

/** The smallest old space oomguard sets: below 16 MiB a service spends its time collecting. */
export const NODE_MIN_OLD_SPACE_BYTES = 16 * MIB;
/** The smallest V8 heap oomguard sizes for: that old space plus the 3 MiB young generation of a small container. */
export const NODE_MIN_HEAP_BYTES = NODE_MIN_OLD_SPACE_BYTES + 3 * MIB;

/** The young generation V8 adds above `--max-old-space-size` in a container of `limitBytes` (measured). */
export function youngGenerationBytes(limitBytes: number | undefined): number {
  if (limitBytes === undefined) return 48 * MIB;
  if (limitBytes <= 512 * MIB) return 3 * MIB;
  if (limitBytes <= 1024 * MIB) return 12 * MIB;
  if (limitBytes <= 2048 * MIB) return 24 * MIB;
  return 48 * MIB;
}

/** A `--max-old-space-size` Node.js ignores or refuses. */
export interface NodeOptionProblem {
  /** `quoted`: single quotes, silently ignored; `space`: value as the next word; `value`: not a whole number. Both refuse to start. */
  readonly kind: 'quoted' | 'space' | 'value';
  readonly at: OptionToken;
  /** What the value was meant to be, when it can be read (`512` of `'--max-old-space-size=512'`). */
  readonly mib?: number;
}

export interface NodeOptions {
  readonly tokens: readonly OptionToken[];
  /** `--max-old-space-size` in MiB, the last one Node.js accepts. */
  readonly maxOldSpaceMiB?: { readonly mib: number; readonly at: OptionToken };
  readonly problems: readonly NodeOptionProblem[];
  readonly unknown: readonly UnknownSource[];
  /** Words after the script: the script's own arguments. */
  readonly scriptArgs: readonly OptionToken[];
}

/** Node's options from NODE_OPTIONS, then a `node` command line (which wins over NODE_OPTIONS). */
export function readNodeOptions(container: Container): NodeOptions {
  // Two rules read the same container's options one after another: remember the last container only.
  if (container !== lastNode.container) lastNode = { container, options: parseNodeOptions(container) };
  return lastNode.options;
}

let lastNode: { container?: Container; options: NodeOptions } = { options: { tokens: [], problems: [], unknown: [], scriptArgs: [] } };

/** Node options whose value is the next word (Node.js CLI docs). `-e`/`-p` take code and option parsing goes on. */
const VALUE_OPTIONS = new Set(['-r', '--require', '--import', '-e', '--eval', '-p', '--print', '--loader', '--experimental-loader', '-C', '--conditions', '--inspect-port', '--title', '--input-type', '--env-file']);

function commandLineOptions(words: readonly OptionToken[]): { options: OptionToken[]; script: OptionToken[] } {
  for (let index = 0; index < words.length; index++) {
    const word = words[index].token;
    if (word === '--') return { options: words.slice(0, index), script: words.slice(index + 1) };
    if (VALUE_OPTIONS.has(word)) {
      index++;
      continue;
    }
    if (!word.startsWith('-')) return { options: words.slice(0, index), script: words.slice(index + 1) };
  }
  return { options: [...words], script: [] };
}

/** A NODE_OPTIONS word as Node.js reads it: double quotes removed, single quotes kept. */
function nodeWord(token: string, fromEnv: boolean): string {
  return fromEnv ? token.replace(/"/g, '') : token;
}

const FLAG = /^--max[-_]old[-_]space[-_]size(?:=(.*))?$/;

function parseNodeOptions(container: Container): NodeOptions {
  const unknown: UnknownSource[] = [];
  const env = envTokens(container, ['NODE_OPTIONS'], unknown);
  const commandWords = commandLineTokens(container, NODE_BINARY, unknown) ?? [];
  const { options: commandLine, script } = commandLineOptions(commandWords);
  let maxOldSpaceMiB: NodeOptions['maxOldSpaceMiB'];
  const problems: NodeOptionProblem[] = [];
  const read = (tokens: readonly OptionToken[], fromEnv: boolean) => {
    tokens.forEach((at, index) => {
      const word = nodeWord(at.token, fromEnv);
      if (/^'--max[-_]old[-_]space[-_]size=/.test(word)) {
        const mib = /=(\d+)'?$/.exec(word)?.[1];
        problems.push({ kind: 'quoted', at, ...(mib ? { mib: Number(mib) } : {}) });
        return;
      }
      const match = FLAG.exec(word);
      if (!match) return;
      if (match[1] === undefined) {
        const next = tokens[index + 1]?.token;
        problems.push({ kind: 'space', at, ...(next && /^\d+$/.test(next) ? { mib: Number(next) } : {}) });
      } else if (/^\d+$/.test(match[1])) {
        maxOldSpaceMiB = { mib: Number(match[1]), at };
      } else {
        const mib = /^(\d+)/.exec(match[1])?.[1];
        problems.push({ kind: 'value', at, ...(mib ? { mib: Number(mib) } : {}) });
      }
    });
  };
  read(env, true);
  read(commandLine, false);
  return { tokens: [...env, ...commandLine], maxOldSpaceMiB, problems, unknown, scriptArgs: script };
}

/** What a Node.js container will really do with its memory. */
export interface NodeFacts {
  readonly options: NodeOptions;
  /** The young generation V8 adds above the old space for this container. */
  readonly youngGenerationBytes: number;
  /** V8's whole heap ceiling (`heap_size_limit`) when `--max-old-space-size` is set. */
  readonly heapCeilingBytes?: number;
}

export function nodeFacts(container: Container, limitBytes: number | undefined): NodeFacts {
  const options = readNodeOptions(container);
  const young = youngGenerationBytes(limitBytes);
  return options.maxOldSpaceMiB
    ? { options, youngGenerationBytes: young, heapCeilingBytes: options.maxOldSpaceMiB.mib * MIB + young }
    : { options, youngGenerationBytes: young };
}

/** `--max-old-space-size` for a V8 heap (old + young) of at most `heapBytes` in a container of `limitBytes`. */
export function maxOldSpaceFor(limitBytes: number, heapBytes: number): number {
  return Math.max(floorMiB(NODE_MIN_OLD_SPACE_BYTES), floorMiB(heapBytes - youngGenerationBytes(limitBytes)));
}

/** Whether a token sets V8's old space. */
export function isNodeHeapOption(token: string): boolean {
  return /^--max[-_]old[-_]space[-_]size(=|$)/.test(token);
}

function nodeImage({ name }: ImageName): boolean {
  return /^(node|nodejs)$/.test(name);
}

function nodeSettings(limitBytes: number, heapBytes: number): EnvSetting[] {
  return [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${maxOldSpaceFor(limitBytes, heapBytes)}` }];
}

/** The overhead as a constant model (one object: a fleet sizes many containers). */
const CONSTANT_OVERHEAD = Object.freeze({ fixedBytes: 100 * MIB, perHeapByte: 0, label: 'Node.js' });

export const node: RuntimeProfile = {
  id: 'node',
  title: 'Node.js',
  slowStart: false,
  minHeapBytes: NODE_MIN_HEAP_BYTES,
  overhead: {
    bytes: 100 * MIB,
    rangeMiB: [50, 100],
    source: 'outside the V8 heap: the node binary, code space, off-heap Buffers (external memory) and libuv',
  },
  overheadModel: () => CONSTANT_OVERHEAD,
  detect(container: Container): Detection | undefined {
    if (container.env.some((variable) => variable.name === 'NODE_OPTIONS')) return { runtime: 'node', reason: 'env NODE_OPTIONS' };
    if (runsBinary(container, NODE_LAUNCHERS)) return { runtime: 'node', reason: 'command runs node' };
    if (imageName(container.image).fact(nodeImage)) return { runtime: 'node', reason: `image ${container.image}` };
    return undefined;
  },
  settings: nodeSettings,
  flags: (limitBytes, overheadBytes) => nodeSettings(limitBytes, limitBytes - overheadBytes),
  supersedes: (token) => /^["']?--max[-_]old[-_]space[-_]size(=|$)/.test(token) || /^\d+$/.test(token),
};
