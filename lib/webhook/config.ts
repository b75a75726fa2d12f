/**
 * The webhook's configuration: the same `.oomguard.yaml` `lint` reads (rules, sizing), validated
 * against the same schema, plus its `webhook` section (enforce, excludeNamespaces). Loaded whole or
 * not at all: a reload that fails keeps the configuration in force and says why.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { packageRoot } from '../config/package-root';
import { ConfigError, resolveConfig, type ConfigFile } from '../config/resolve';
import { createLinter } from '../engine/linter';
import type { ReviewSettings } from './review';

interface WebhookSection {
  readonly enforce?: boolean;
  readonly excludeNamespaces?: readonly string[];
}

/** Namespaces never reviewed: the control plane's. The webhook's own is added by the caller. */
export const ALWAYS_EXCLUDED = ['kube-system'] as const;

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null };
let validator: Validator | undefined;

function validateConfig(file: string, data: unknown): ConfigFile & { webhook?: WebhookSection } {
  if (!validator) {
    const Ajv = require('ajv') as typeof import('ajv').default;
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'config.schema.json'), 'utf8'));
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema) as unknown as Validator;
  }
  if (validator!(data)) return data as ConfigFile;
  const problems = (validator!.errors ?? []).map((error) => {
    const where = error.instancePath || '/';
    const extra = error.params && 'additionalProperty' in error.params ? `: "${String(error.params.additionalProperty)}"`
      : error.params && 'allowedValues' in error.params ? ` (allowed: ${(error.params.allowedValues as string[]).join(', ')})` : '';
    return `${where} ${error.message ?? 'is invalid'}${extra}`;
  });
  throw new ConfigError(file, problems);
}

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
  if (file) {
    let data: unknown;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(file, [(error as Error).message]);
    }
    try {
      data = loadYaml(text);
    } catch (error) {
      const mark = (error as { mark?: { line: number } }).mark;
      throw new ConfigError(mark ? `${file}:${mark.line + 1}` : file, [(error as { reason?: string }).reason ?? (error as Error).message]);
    }
    config = validateConfig(file, data ?? {});
  }
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
