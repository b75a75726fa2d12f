/**
 * The webhook's configuration: the same `.oomguard.yaml` `lint` reads (rules, sizing), validated
 * against the same schema, plus its `webhook` section (enforce, excludeNamespaces). Loaded whole or
 * not at all: a reload that fails keeps the configuration in force and says why.
 */
import { dirname } from 'node:path';
import { readConfigFile } from '../config/load';
import { resolveConfig, type ConfigFile } from '../config/resolve';
import { createLinter } from '../engine/linter';
import type { ReviewSettings } from './review';

interface WebhookSection {
  readonly enforce?: boolean;
  readonly excludeNamespaces?: readonly string[];
}

/** Namespaces never reviewed: the control plane's. The webhook's own is added by the caller. */
export const ALWAYS_EXCLUDED = ['kube-system'] as const;

export interface WebhookOptions {
  /** Configuration file; none means the defaults. */
  readonly configFile?: string;
  /** Force audit mode whatever the file says. */
  readonly audit?: boolean;
  /** The webhook's own namespace, never reviewed. */
  readonly ownNamespace?: string;
}

/** Read and validate the configuration into review settings; throws ConfigError with file and line. */
export function loadSettings(options: WebhookOptions): ReviewSettings & { readonly file?: string } {
  let config: ConfigFile & { webhook?: WebhookSection } = {};
  const file = options.configFile;
  // The same reader as lint's (bounded, one document, the same schema); the schema has the webhook section.
  if (file) config = readConfigFile(file) as ConfigFile & { webhook?: WebhookSection };
  const resolved = resolveConfig(config, file, file ? dirname(file) : process.cwd());
  const exclude = new Set<string>([...ALWAYS_EXCLUDED, ...(config.webhook?.excludeNamespaces ?? [])]);
  if (options.ownNamespace) exclude.add(options.ownNamespace);
  return {
    linter: createLinter({ severities: resolved.severities, sizing: resolved.sizing }),
    sizing: resolved.sizing,
    enforce: options.audit ? false : config.webhook?.enforce ?? true,
    excludeNamespaces: exclude,
    ...(file ? { file } : {}),
  };
}
