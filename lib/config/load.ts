/**
 * Find, read and validate `.oomguard.yaml` (or `.oomguard.yml` / `.oomguard.json`): `--config FILE`,
 * else the nearest one upward from the working directory. Validated with ajv against
 * schemas/config.schema.json; errors name the file, the JSON path and what was allowed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadAll as loadYamlDocuments } from 'js-yaml';
import { readBounded } from '../cli/bounded-read';
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

type Check = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null };
let check: Check | undefined;

function validate(file: string, data: unknown): ConfigFile {
  // ajv is loaded only when a config file exists: most runs (pre-commit) have none to pay for. The
  // compiled schema is kept for the next file (the webhook reloads its configuration).
  if (!check) {
    const Ajv = require('ajv') as typeof import('ajv').default;
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'config.schema.json'), 'utf8'));
    check = new Ajv({ allErrors: true, strict: false }).compile(schema) as unknown as Check;
  }
  if (check(data)) return data as ConfigFile;
  const problems = (check.errors ?? []).map((error) => {
    const where = error.instancePath || '/';
    const allowed = error.params && 'allowedValues' in error.params ? ` (allowed: ${(error.params.allowedValues as string[]).join(', ')})`
      : error.params && 'additionalProperty' in error.params ? `: "${String(error.params.additionalProperty)}"` : '';
    return `${where} ${error.message ?? 'is invalid'}${allowed}`;
  });
  throw new ConfigError(file, problems);
}

/**
 * Read, parse and validate one configuration file (every reader of `.oomguard.yaml`: lint and the
 * other commands through loadConfig, the webhook on each reload). Throws ConfigError with file and line.
 */
export function readConfigFile(file: string): ConfigFile {
  // Bounded like every input: a FIFO or device named .oomguard.yaml is refused, never waited on.
  const read = readBounded(file);
  if (!read.ok) throw new ConfigError(file, [read.message]);
  let data: unknown;
  try {
    const documents = loadYamlDocuments(read.bytes.toString('utf8'));
    // An empty (or comments-only) file means the defaults, as `null` does.
    if (documents.length > 1) throw new ConfigError(file, [`holds ${documents.length} YAML documents; a configuration file holds one`]);
    data = documents[0];
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const mark = (error as { mark?: { line: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    throw new ConfigError(mark ? `${file}:${mark.line + 1}` : file, [reason]);
  }
  return validate(file, data ?? {});
}

/** The configuration in force: from `explicit`, else found upward from `cwd`, else the defaults. */
export function loadConfig(cwd: string, explicit?: string): ResolvedConfig {
  // `--config ""` (an unset variable) names no file: not a reason to fall back to the one found upward.
  if (explicit === '') throw new ConfigError('--config', ['an empty path ("") names no file']);
  const file = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!file) return resolveConfig({}, undefined, cwd);
  return resolveConfig(readConfigFile(file), file, dirname(file));
}
