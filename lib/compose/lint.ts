/**
 * Lint one Compose file's text through the same engine and rules as manifests: parse once (the
 * manifests reader: lines, limits on aliases and depth), apply merge keys and `extends`, read each
 * service as a workload, run the linter, and place every finding on the line of the Compose field
 * it is about. Returns the same FileReport as `lintText`, so formatters, exit codes and `fix` work
 * unchanged. Pure: files named by `extends.file` are read through the host.
 */
import type { JsonPath } from '../core/workload';
import type { FileReport, InputError, LocatedFinding, Note } from '../engine/lint-text';
import type { Linter } from '../engine/linter';
import { parseManifests } from '../manifests/documents';
import type { Fix } from '../rules/types';
import { translateFix, composePath, type ServiceScope } from './edits';
import { interpolate } from './interpolate';
import { buildService, type ComposeService } from './model';
import { parseLenient } from './lenient-yaml';
import { parseDockerBytes } from './units';
import { applyMerges, isObject, resolveExtends, type ComposeHost, type Obj, type ResolveProblem } from './resolve';

const EMPTY_HOST: ComposeHost = { variables: new Map() };

/** Services that another waits for with `condition: service_completed_successfully`: they run to completion. */
function completedServices(services: ReadonlyMap<string, Obj>): Set<string> {
  const names = new Set<string>();
  for (const service of services.values()) {
    const dependsOn = service.depends_on;
    if (!isObject(dependsOn)) continue;
    for (const [name, condition] of Object.entries(dependsOn)) {
      if (isObject(condition) && condition.condition === 'service_completed_successfully') names.add(name);
    }
  }
  return names;
}

/**
 * Every string under a service that Compose would refuse to interpolate, or that requires a missing
 * variable. A node shared through anchors is looked at once (`seen`), so aliases of aliases cost
 * what the text costs, not what its expansion would.
 */
function interpolationProblems(value: unknown, path: JsonPath, host: ComposeHost, out: ResolveProblem[], seen: Set<object> = new Set(), depth = 0): void {
  if (depth > 64 || out.length > 100) return;
  if (typeof value === 'object' && value !== null) {
    if (seen.has(value)) return;
    seen.add(value);
  }
  if (typeof value === 'string') {
    if (!value.includes('$')) return;
    const result = interpolate(value, host.variables);
    if (result.invalid) out.push({ level: 'error', message: `invalid interpolation: ${result.invalid}`, path });
    for (const message of result.required) out.push({ level: 'note', message: `${message} (docker compose refuses to run without it; the value is not checked)`, path });
    return;
  }
  if (Array.isArray(value)) value.forEach((item, index) => interpolationProblems(item, [...path, index], host, out, seen, depth + 1));
  else if (isObject(value)) for (const key of Object.keys(value)) interpolationProblems(value[key], [...path, key], host, out, seen, depth + 1);
}

function anyDeployMemory(services: ReadonlyMap<string, Obj>): boolean {
  for (const service of services.values()) {
    const resources = isObject(service.deploy) && isObject(service.deploy.resources) ? service.deploy.resources : undefined;
    if (!resources) continue;
    for (const block of [resources.limits, resources.reservations]) if (isObject(block) && 'memory' in block) return true;
  }
  return false;
}

/**
 * `mem_limit` and `deploy.resources.limits.memory` (or the two reservation forms) with different sizes:
 * docker compose refuses the file ("can't set distinct values"); oomguard reads the deploy form.
 */
function formConflicts(name: string, service: Obj, host: ComposeHost): ResolveProblem[] {
  const resources = isObject(service.deploy) && isObject(service.deploy.resources) ? service.deploy.resources : undefined;
  const out: ResolveProblem[] = [];
  for (const [short, section] of [['mem_limit', 'limits'], ['mem_reservation', 'reservations']] as const) {
    const block = resources && isObject(resources[section]) ? (resources[section] as Obj) : undefined;
    if (!block || !('memory' in block) || !(short in service)) continue;
    const read = (value: unknown) => parseDockerBytes(typeof value === 'string' ? interpolate(value, host.variables).value : value);
    const a = read(service[short]);
    const b = read(block.memory);
    if (a.ok && b.ok && a.bytes !== b.bytes) {
      out.push({ level: 'error', message: `service "${name}": ${short} ${String(service[short])} and deploy.resources.${section}.memory ${String(block.memory)} differ; docker compose refuses distinct values`, path: ['services', name, short] });
    }
  }
  return out;
}

const KEY_LINE_SEARCH = 3;

/** The line of `name:` at or just above `line` (1-based), else `line`. */
function keyLine(lines: readonly string[], line: number, name: string): number {
  for (let at = line; at >= Math.max(1, line - KEY_LINE_SEARCH); at--) {
    const text = lines[at - 1];
    if (text === undefined) continue;
    const trimmed = text.trimStart().replace(/^["']/, '');
    if (trimmed.startsWith(name) && /^["']?\s*:/.test(trimmed.slice(name.length))) return at;
  }
  return line;
}

export interface ReadService {
  readonly name: string;
  readonly built: ComposeService;
  readonly scope: ServiceScope;
}

/**
 * Every service of a parsed Compose document as a workload, with what Compose would refuse or
 * oomguard could not follow. `raw` is the document as written (merge keys not applied).
 */
export function readServices(raw: Obj & { services: Obj }, file: string, host: ComposeHost = EMPTY_HOST): { services: ReadService[]; problems: ResolveProblem[] } {
  const problems: ResolveProblem[] = [];
  const merged = applyMerges(raw, problems) as Obj;
  const { services, extended } = resolveExtends(merged.services as Obj, file, host, problems);
  const completed = completedServices(services);
  const deployForm = anyDeployMemory(services);
  const seen = new Set<object>();
  for (const [name, service] of services) interpolationProblems(service, ['services', name], host, problems, seen);
  const out: ReadService[] = [];
  for (const [name, resolved] of services) {
    const built = buildService({ name, raw: raw.services[name], resolved, extended: extended.has(name), runsToCompletion: completed.has(name) }, host.variables, deployForm);
    for (const conflict of formConflicts(name, resolved, host)) problems.push(conflict);
    out.push({ name, built, scope: { base: ['services', name], fields: built.fields, raw } });
  }
  return { services: out, problems };
}

export function lintComposeText(text: string, file: string, linter: Linter, host: ComposeHost = EMPTY_HOST): FileReport {
  let parsed = parseManifests(text, file);
  const notes: Note[] = [];
  let lenient = false;
  if (!parsed.ok) {
    const second = parseLenient(text);
    if (second.ok) {
      lenient = true;
      notes.push({ file, ...(parsed.problem.line ? { line: parsed.problem.line } : {}), message: `read with the lenient YAML reader (the strict one says: ${parsed.problem.message}); docker compose reads it, but oomguard fix leaves this file alone` });
      parsed = second;
    }
  }
  if (!parsed.ok) {
    const { message, line } = parsed.problem;
    return { file, findings: [], errors: [{ file, message: `cannot parse: ${message}`, ...(line ? { line } : {}) }], notes: [], documents: 0, workloads: 0, containers: 0 };
  }
  const findings: LocatedFinding[] = [];
  const errors: InputError[] = [];
  let documents = 0;
  let workloads = 0;
  const lines = text.split('\n');
  for (const document of parsed.documents) {
    if (document.value === null || document.value === undefined) continue;
    documents++;
    const raw = document.value;
    // A service's findings go on the line of its name: the reader places a mapping on its first key.
    const lineOf = (path: JsonPath) => {
      const line = document.lineOf(path);
      if (path.length < 2 || path[0] !== 'services') return line;
      const serviceLine = document.lineOf(path.slice(0, 2));
      if (line !== serviceLine) return line;
      return keyLine(lines, serviceLine, String(path[1]));
    };
    if (!isObject(raw)) {
      errors.push({ file, line: document.line, message: 'not a Compose file: the top level is not a mapping' });
      continue;
    }
    if (raw.services === undefined || raw.services === null) {
      notes.push({ file, line: document.line, message: 'no services: nothing to check (networks, volumes or other top-level keys only)' });
      continue;
    }
    if (!isObject(raw.services)) {
      errors.push({ file, line: lineOf(['services']), message: 'services must be a mapping of service names to services' });
      continue;
    }
    const { services: read, problems } = readServices(raw as Obj & { services: Obj }, file, host);

    for (const { name, built, scope } of read) {
      workloads++;
      const unknownPaths = new Set(built.unknowns.map((unknown) => JSON.stringify(unknown.path)));
      for (const unknown of built.unknowns) {
        // Required variables and malformed templates have their own note or error (interpolationProblems).
        if (unknown.variables.length === 0) continue;
        notes.push({
          file,
          line: lineOf(unknown.path),
          message: `service "${name}": ${unknown.field} depends on unset variable${unknown.variables.length === 1 ? '' : 's'} ${unknown.variables.join(', ')} (set ${unknown.variables.length === 1 ? 'it' : 'them'} in the environment, .env or --compose-env-file): not checked`,
        });
      }
      for (const envFile of built.envFiles) {
        notes.push({ file, line: lineOf(envFile.path), message: `service "${name}": variables from env_file ${envFile.file} are not read; runtime flags set there are unknown to oomguard` });
      }
      const placed = linter.lintWorkload(built.workload, { file, document: document.index, lineOf: (path) => lineOf(composePath(path, scope)) });
      for (const finding of placed) {
        const path = composePath(finding.path, scope);
        // A size that depends on an unset variable is unknown, not invalid (the note above says so).
        if (finding.ruleId === 'invalid-memory-quantity' && unknownPaths.has(JSON.stringify(path))) continue;
        // The fixer edits and re-reads with the strict reader: a file only the lenient one reads gets no fixes.
        const fix: Fix | undefined = finding.fix && !lenient ? translateFix(finding.fix, scope) : undefined;
        const { fix: _dropped, ...rest } = finding;
        findings.push(fix ? { ...rest, path, fix } : { ...rest, path });
      }
    }
    for (const problem of problems) {
      const entry = { file, line: lineOf(problem.path), message: problem.message };
      if (problem.level === 'error') errors.push(entry);
      else notes.push(entry);
    }
  }
  findings.sort((a, b) => a.document - b.document || a.line - b.line);
  notes.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (documents === 0) notes.push({ file, message: 'no documents: empty file' });
  return { file, findings, errors, notes, documents, workloads, containers: workloads };
}
