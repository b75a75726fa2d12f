/** Builders for the edits rules attach as fixes. */
import { formatQuantity } from '../core/quantity';
import type { Container } from '../core/workload';
import { mergeOptions, replaceToken } from '../runtimes/options';
import type { EnvSetting, OptionToken, RuntimeProfile } from '../runtimes/types';
import type { Edit } from './types';

/** Set the memory limit and request to the same quantity. */
export function setMemory(container: Container, bytes: number): Edit[] {
  const value = formatQuantity(bytes);
  return [
    { op: 'set', path: [...container.path, 'resources', 'limits', 'memory'], value },
    { op: 'set', path: [...container.path, 'resources', 'requests', 'memory'], value },
  ];
}

/** Replace one option token where it was read (an env value or a command-line element). */
export function replaceOption(at: OptionToken, replacement: string): Edit {
  return { op: 'set', path: at.path, value: replaceToken(at.text, at.token, replacement) };
}

/**
 * Merge generated settings into the container's env: merged into an existing literal variable of
 * that name (keeping the user's other options), or added as a new variable.
 */
export function mergeEnv(container: Container, profile: RuntimeProfile, settings: readonly EnvSetting[]): Edit[] {
  return settings.map((setting): Edit => {
    const existing = [...container.env].reverse().find((variable) => variable.name === setting.name);
    if (existing?.value !== undefined) {
      return { op: 'set', path: [...existing.path, 'value'], value: mergeOptions(existing.value, setting.value, profile.supersedes) };
    }
    return { op: 'addEnv', container: container.path, name: setting.name, value: setting.value };
  });
}
