/**
 * Python (CPython).
 *
 * Sources:
 * - CPython has no heap ceiling flag: the container limit is the ceiling, and a `MemoryError` is
 *   raised only when malloc itself fails, which under a cgroup limit rarely happens before the kernel
 *   kills the process. Sizing the limit right is the lever.
 * - glibc malloc creates up to 8 arenas per core on 64-bit (mallopt(3), M_ARENA_MAX), each keeping
 *   freed memory; threaded servers (gunicorn threads, celery) grow RSS with them. `MALLOC_ARENA_MAX=2`
 *   bounds that. The interpreter, imported modules and arenas take 30-100 MiB, hence 100 MiB.
 */
import { MIB } from '../core/quantity';
import type { Container } from '../core/workload';
import { imageName, runsBinary, type ImageName } from './options';
import type { Detection, EnvSetting, RuntimeProfile } from './types';

const PYTHON_LAUNCHERS = /^(python[0-9.]*|pypy[0-9.]*|gunicorn|uvicorn|celery|hypercorn|daphne|uwsgi|flask|django-admin)$/;

const PYTHON_ENV = /^PYTHON[A-Z]+$/;

function pythonImage({ name }: ImageName): boolean {
  return /^(python|pypy)$/.test(name);
}

/** The overhead as a constant model (one object: a fleet sizes many containers). */
const CONSTANT_OVERHEAD = Object.freeze({ fixedBytes: 100 * MIB, perHeapByte: 0, label: 'Python' });

export const python: RuntimeProfile = {
  id: 'python',
  title: 'Python',
  slowStart: false,
  minHeapBytes: undefined,
  overhead: {
    bytes: 100 * MIB,
    rangeMiB: [30, 100],
    source: 'interpreter, modules and glibc malloc arenas (8 per core, mallopt(3))',
  },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => PYTHON_ENV.test(variable.name));
    if (env) return { runtime: 'python', reason: `env ${env.name}` };
    if (runsBinary(container, PYTHON_LAUNCHERS)) return { runtime: 'python', reason: 'command runs python' };
    if (imageName(container.image).fact(pythonImage)) return { runtime: 'python', reason: `image ${container.image}` };
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
