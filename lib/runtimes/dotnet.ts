/**
 * .NET (CoreCLR).
 *
 * Sources:
 * - Since .NET Core 3.0 the GC reads the cgroup limit and caps its heap at 75% of it by default
 *   (GCHeapHardLimitPercent; learn.microsoft.com "Runtime configuration options for garbage
 *   collection"). `DOTNET_GCHeapHardLimit` takes a hexadecimal byte count and overrides that.
 * - The runtime, JIT and loaded assemblies outside the GC heap: no published range; oomguard uses
 *   150 MiB until measured evidence says otherwise (docs/evidence.md).
 */
import { MIB } from '../core/quantity';
import type { Container } from '../core/workload';
import { imageName, runsBinary, type ImageName } from './options';
import type { Detection, EnvSetting, RuntimeProfile } from './types';

const DOTNET_ENV = /^(DOTNET_|ASPNETCORE_|COMPlus_)/;
const DOTNET_BINARY = /^dotnet$/;

function dotnetImage({ repository }: ImageName): boolean {
  return /(^|\/)dotnet\/(aspnet|runtime|sdk)/.test(repository);
}

/** The overhead as a constant model (one object: a fleet sizes many containers). */
const CONSTANT_OVERHEAD = Object.freeze({ fixedBytes: 150 * MIB, perHeapByte: 0, label: '.NET' });

export const dotnet: RuntimeProfile = {
  id: 'dotnet',
  title: '.NET',
  slowStart: false,
  // The GC heap hard limit takes any byte count; 16 MiB is the smallest oomguard writes, like the JVM's.
  minHeapBytes: 16 * MIB,
  overhead: { bytes: 150 * MIB, rangeMiB: [50, 150], source: 'CoreCLR runtime, JIT and assemblies outside the GC heap (no published figure)' },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => DOTNET_ENV.test(variable.name));
    if (env) return { runtime: 'dotnet', reason: `env ${env.name}` };
    if (runsBinary(container, DOTNET_BINARY)) return { runtime: 'dotnet', reason: 'command runs dotnet' };
    if (imageName(container.image).fact(dotnetImage)) return { runtime: 'dotnet', reason: `image ${container.image}` };
    return undefined;
  },
  overheadModel: () => CONSTANT_OVERHEAD,
  settings: (_limitBytes, heapBytes) => [{ name: 'DOTNET_GCHeapHardLimit', value: `0x${Math.max(16 * MIB, Math.floor(heapBytes)).toString(16)}` }],
  flags(limitBytes, overheadBytes): EnvSetting[] {
    return [{ name: 'DOTNET_GCHeapHardLimit', value: `0x${Math.max(16 * MIB, limitBytes - overheadBytes).toString(16)}` }];
  },
  // A single-valued variable: the generated value replaces the old one.
  supersedes: () => true,
};
