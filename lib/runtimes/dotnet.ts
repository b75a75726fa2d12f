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

function dotnetImage({ repository }: ImageName): boolean {
  return /(^|\/)dotnet\/(aspnet|runtime|sdk)/.test(repository);
}

export const dotnet: RuntimeProfile = {
  id: 'dotnet',
  title: '.NET',
  overhead: { bytes: 150 * MIB, rangeMiB: [50, 150], source: 'CoreCLR runtime, JIT and assemblies outside the GC heap (no published figure)' },
  detect(container: Container): Detection | undefined {
    const env = container.env.find((variable) => /^(DOTNET_|ASPNETCORE_|COMPlus_)/.test(variable.name));
    if (env) return { runtime: 'dotnet', reason: `env ${env.name}` };
    if (runsBinary(container, /^dotnet$/)) return { runtime: 'dotnet', reason: 'command runs dotnet' };
    if (imageName(container.image).fact(dotnetImage)) return { runtime: 'dotnet', reason: `image ${container.image}` };
    return undefined;
  },
  flags(limitBytes, overheadBytes): EnvSetting[] {
    const heap = Math.max(MIB, limitBytes - overheadBytes);
    return [{ name: 'DOTNET_GCHeapHardLimit', value: `0x${heap.toString(16)}` }];
  },
  // A single-valued variable: the generated value replaces the old one.
  supersedes: () => true,
};
