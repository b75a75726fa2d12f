/**
 * The runtime registry: every profile, and detection in order of evidence strength.
 */
import type { Container } from '../core/workload';
import { dotnet } from './dotnet';
import { go } from './go';
import { jvm } from './jvm';
import { node } from './node';
import { python } from './python';
import { ruby } from './ruby';
import { RUNTIME_IDS, isRuntimeId, type Detection, type RuntimeId, type RuntimeProfile } from './types';

export { RUNTIME_IDS, isRuntimeId };
export type { Detection, RuntimeId, RuntimeProfile };

/** Profiles in detection order: a JVM image running a node sidecar script is still a JVM. */
export const PROFILES: Readonly<Record<RuntimeId, RuntimeProfile>> = { jvm, node, go, python, dotnet, ruby };

export function profileOf(id: RuntimeId): RuntimeProfile {
  return PROFILES[id];
}

/**
 * Detect a container's runtime from its own signals, strongest first: an option env variable, then
 * the command line, then the image name (each profile applies them in that order itself).
 */
export function detectRuntime(container: Container): Detection | undefined {
  for (const id of RUNTIME_IDS) {
    const found = PROFILES[id].detect(container);
    if (found) return found;
  }
  return undefined;
}
