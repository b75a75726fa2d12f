/** Builders for the edits rules attach as fixes. */
import { formatQuantity } from '../core/quantity';
import type { Container } from '../core/workload';
import { hasEnvFrom, mergeOptions, replaceToken } from '../runtimes/options';
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

/** Whether a token can be rewritten where it was read (not the product of a `$(VAR)` expansion). */
export function editable(at: OptionToken): boolean {
  return at.expanded !== true;
}

/** Replace one option token where it was read (an env value or a command-line element). */
export function replaceOption(at: OptionToken, replacement: string): Edit {
  return { op: 'set', path: at.path, value: replaceToken(at.text, at.token, replacement) };
}

/** Replace several tokens; those read from the same string become one edit of that string. */
export function replaceOptions(replacements: readonly (readonly [OptionToken, string])[]): Edit[] {
  const byText = new Map<string, { path: OptionToken['path']; text: string }>();
  for (const [at, replacement] of replacements) {
    const key = JSON.stringify(at.path);
    const current = byText.get(key) ?? { path: at.path, text: at.text };
    const text = replaceToken(current.text, at.token, replacement);
    // A removed token takes one of the spaces around it along.
    byText.set(key, { path: current.path, text: replacement === '' ? text.replace(/ {2,}/, ' ').trim() : text });
  }
  return [...byText.values()].map(({ path, text }) => ({ op: 'set', path, value: text }));
}

/**
 * Merge generated settings into the container's env: merged into an existing literal variable of
 * that name (keeping the user's other options), or added as a new variable. Undefined when a variable
 * of that name comes from `valueFrom`, or the container has `envFrom`: a new entry would shadow the
 * ConfigMap or Secret that sets it, so there is no automatic fix.
 */
export function mergeEnv(container: Container, profile: RuntimeProfile, settings: readonly EnvSetting[]): Edit[] | undefined {
  if (hasEnvFrom(container)) return undefined;
  for (const setting of settings) {
    if (container.env.some((variable) => variable.name === setting.name && variable.value === undefined)) return undefined;
  }
  return settings.map((setting): Edit => {
    // The last variable of that name is the one Kubernetes uses (found without copying the list).
    let existing: Container['env'][number] | undefined;
    for (let index = container.env.length - 1; index >= 0 && existing === undefined; index--) {
      if (container.env[index].name === setting.name) existing = container.env[index];
    }
    if (existing?.value !== undefined) {
      return { op: 'set', path: [...existing.path, 'value'], value: mergeOptions(existing.value, setting.value, profile.supersedes) };
    }
    return { op: 'addEnv', container: container.path, name: setting.name, value: setting.value };
  });
}
