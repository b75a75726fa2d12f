/**
 * Node.js (V8).
 *
 * Sources:
 * - V8 picks its own old-space ceiling. Node.js 20 reads the cgroup limit (`process.constrainedMemory()`)
 *   and sets the ceiling to about half of it, but never below ~259 MiB; older Node.js versions size it
 *   from the host's memory. Measured here (docs/evidence.md): in a 256Mi container the default ceiling
 *   (259Mi) is above the limit and the process is killed at the limit (137) before V8 collects; from
 *   1Gi up half the container sits unused. `--max-old-space-size=<MiB>` (Node.js CLI docs) sets the
 *   ceiling; in NODE_OPTIONS it reaches every node process the container starts.
 * - Outside the old space V8 keeps the young generation (semi-spaces up to 16 MiB each on 64-bit, three
 *   of them), code space, and Buffers/ArrayBuffers off-heap, plus libuv: 50-100 MiB, hence 100 MiB.
 */
import { MIB, floorMiB } from '../core/quantity';
import type { Container } from '../core/workload';
import { commandLineTokens, envTokens, imageName, runsBinary, type ImageName } from './options';
import type { Detection, EnvSetting, OptionToken, RuntimeProfile } from './types';

const NODE_BINARY = /^(node|nodejs)$/;
const NODE_LAUNCHERS = /^(node|nodejs|npm|npx|yarn|pnpm)$/;

export interface NodeOptions {
  readonly tokens: readonly OptionToken[];
  /** `--max-old-space-size` in MiB, the last one set. */
  readonly maxOldSpaceMiB?: { readonly mib: number; readonly at: OptionToken };
}

/** Node's options from NODE_OPTIONS, then a `node` command line (which wins over NODE_OPTIONS). */
export function readNodeOptions(container: Container): NodeOptions {
  // Two rules read the same container's options one after another: remember the last container only.
  if (container !== lastNode.container) lastNode = { container, options: parseNodeOptions(container) };
  return lastNode.options;
}

let lastNode: { container?: Container; options: NodeOptions } = { options: { tokens: [] } };

function parseNodeOptions(container: Container): NodeOptions {
  const tokens = [...envTokens(container, ['NODE_OPTIONS']), ...(commandLineTokens(container, NODE_BINARY) ?? [])];
  let maxOldSpaceMiB: NodeOptions['maxOldSpaceMiB'];
  for (const at of tokens) {
    const match = /^["']?--max[-_]old[-_]space[-_]size=(\d+(?:\.\d+)?)["']?$/.exec(at.token);
    if (match) maxOldSpaceMiB = { mib: Number(match[1]), at };
  }
  return { tokens, maxOldSpaceMiB };
}

function nodeImage({ name }: ImageName): boolean {
  return /^(node|nodejs)$/.test(name);
}

export const node: RuntimeProfile = {
  id: 'node',
  title: 'Node.js',
  overhead: {
    bytes: 100 * MIB,
    rangeMiB: [50, 100],
    source: 'V8 young generation (3 x 16 MiB semi-spaces), code space, off-heap Buffers and libuv: V8 heap defaults',
  },
  detect(container: Container): Detection | undefined {
    if (container.env.some((variable) => variable.name === 'NODE_OPTIONS')) return { runtime: 'node', reason: 'env NODE_OPTIONS' };
    if (runsBinary(container, NODE_LAUNCHERS)) return { runtime: 'node', reason: 'command runs node' };
    if (imageName(container.image).fact(nodeImage)) return { runtime: 'node', reason: `image ${container.image}` };
    return undefined;
  },
  flags(limitBytes, overheadBytes): EnvSetting[] {
    return [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${Math.max(1, floorMiB(limitBytes - overheadBytes))}` }];
  },
  supersedes: (token) => /^--max[-_]old[-_]space[-_]size=/.test(token),
};
