/**
 * Ruby (MRI).
 *
 * Sources:
 * - MRI has no heap ceiling flag; like Python its memory grows with glibc malloc arenas in threaded
 *   servers (Puma, Sidekiq), and `MALLOC_ARENA_MAX=2` is the usual cure (mallopt(3), M_ARENA_MAX).
 * - Interpreter, loaded gems and arenas: 50-150 MiB for a Rails process; oomguard uses 150 MiB.
 */
import { MIB } from '../core/quantity';
import type { Container } from '../core/workload';
import { imageName, runsBinary } from './options';
import type { Detection, EnvSetting, RuntimeProfile } from './types';

/** Env variables of Ruby and its tools, and the binaries that start it: built once, not per container. */
const RUBY_ENV = /^(RUBY_|RAILS_ENV$|RACK_ENV$|BUNDLE_)/;
const RUBY_LAUNCHERS = /^(ruby|bundle|rails|puma|sidekiq|unicorn|rake)$/;

/** The overhead as a constant model (one object: a fleet sizes many containers). */
const CONSTANT_OVERHEAD = Object.freeze({ fixedBytes: 150 * MIB, perHeapByte: 0, label: 'Ruby' });

export const ruby: RuntimeProfile = {
  id: 'ruby',
  title: 'Ruby',
  slowStart: false,
  minHeapBytes: undefined,
  overhead: { bytes: 150 * MIB, rangeMiB: [50, 150], source: 'interpreter, gems and glibc malloc arenas (mallopt(3))' },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => RUBY_ENV.test(variable.name));
    if (env) return { runtime: 'ruby', reason: `env ${env.name}` };
    if (runsBinary(container, RUBY_LAUNCHERS)) return { runtime: 'ruby', reason: 'command runs ruby' };
    if (imageName(container.image).name === 'ruby') return { runtime: 'ruby', reason: `image ${container.image}` };
    return undefined;
  },
  overheadModel: () => CONSTANT_OVERHEAD,
  settings: () => [{ name: 'MALLOC_ARENA_MAX', value: '2' }],
  flags(): EnvSetting[] {
    return [{ name: 'MALLOC_ARENA_MAX', value: '2' }];
  },
  // A single-valued variable: the generated value replaces the old one.
  supersedes: () => true,
};
