/**
 * Find, read and validate `.oomguard.yaml` (or `.oomguard.yml` / `.oomguard.json`): `--config FILE`,
 * else the nearest one upward from the working directory. Validated with ajv against
 * schemas/config.schema.json; errors name the file, the JSON path and what was allowed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { packageRoot } from './package-root';
import { ConfigError, resolveConfig, type ConfigFile, type ResolvedConfig } from './resolve';

export const CONFIG_NAMES = ['.oomguard.yaml', '.oomguard.yml', '.oomguard.json'] as const;

export function findConfig(from: string): string | undefined {
  for (let folder = resolve(from); ; folder = dirname(folder)) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(folder, name);
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(folder) === folder) return undefined;
  }
}

function validate(file: string, data: unknown): ConfigFile {
  // ajv is loaded only when a config file exists: most runs (pre-commit) have none to pay for.
  const Ajv = require('ajv') as typeof import('ajv').default;
  const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'config.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(schema);
  if (check(data)) return data as ConfigFile;
  const problems = (check.errors ?? []).map((error) => {
    const where = error.instancePath || '/';
    const allowed = error.params && 'allowedValues' in error.params ? ` (allowed: ${(error.params.allowedValues as string[]).join(', ')})`
      : error.params && 'additionalProperty' in error.params ? `: "${String(error.params.additionalProperty)}"` : '';
    return `${where} ${error.message ?? 'is invalid'}${allowed}`;
  });
  throw new ConfigError(file, problems);
}

/** The configuration in force: from `explicit`, else found upward from `cwd`, else the defaults. */
export function loadConfig(cwd: string, explicit?: string): ResolvedConfig {
  const file = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!file) return resolveConfig({}, undefined, cwd);
  let data: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    // Only comments (what `oomguard init` writes): YAML's empty document, the defaults; js-yaml 5 refuses it.
    data = text.split('\n').every((line) => /^\s*(#.*)?$/.test(line)) ? {} : loadYaml(text);
  } catch (error) {
    const mark = (error as { mark?: { line: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    throw new ConfigError(mark ? `${file}:${mark.line + 1}` : file, [reason]);
  }
  return resolveConfig(validate(file, data ?? {}), file, dirname(file));
}
