/**
 * Real Compose files written by others (../shared/compose-corpus: SOURCES.md says where each comes
 * from, NOTES.md what it contains): every file parses and lints with every finding on a line of its
 * file; fix leaves no fixable finding, changes only the fixed fields (the rest byte for byte), and
 * a second fix is a no-op; a few findings are pinned to the facts NOTES.md records. Files whose
 * original `docker-compose config` accepts must still be accepted after the fix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { structuredPatch } from 'diff';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lintEither } from '../lib/cli/compose-files';
import { createLinter } from '../lib/engine/linter';
import { fixText } from '../lib/fix';
import { parseLenient } from '../lib/compose/lenient-yaml';
import { parseManifests } from '../lib/manifests/documents';
import { composeSchemaErrors } from './helpers/compose-schema';
import { haveCapability, haveTool } from './helpers/tools';

const ROOT = join(__dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'compose-corpus');
const present = haveCapability(existsSync(CORPUS), `the shared Compose corpus is not at ${CORPUS}`);
const linter = createLinter();

function walk(folder: string): string[] {
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Lint as `oomguard lint` does, with the .env beside the file and no shell variables (reproducible). */
function read(path: string) {
  const text = readFileSync(path, 'utf8');
  const name = relative(CORPUS, path);
  const { report, lint } = lintEither(text, path, name, linter, { environment: {} });
  return { text, name, report, lint };
}

if (present) {
  const files = walk(CORPUS);

  test('every Compose file of the corpus parses and lints; every finding and note is on a line of its file', () => {
    assert.is(files.length, 38, 'SOURCES.md lists 38 compose files');
    let services = 0;
    for (const path of files) {
      const { text, name, report } = read(path);
      assert.equal(report.errors, [], `${name}: ${JSON.stringify(report.errors)}`);
      assert.ok(report.workloads > 0, `${name}: read as Compose with services`);
      services += report.workloads;
      const lines = text.split('\n').length;
      for (const item of [...report.findings, ...report.notes]) {
        if ('ruleId' in item || item.line !== undefined) assert.ok(Number.isInteger(item.line) && item.line! >= 1 && item.line! <= lines, `${name}:${item.line}`);
      }
    }
    // NOTES.md: 213 service entries, overlay entries counted separately.
    assert.is(services, 213);
  });

  test('the lenient YAML reader places every path of every corpus file on the line the manifests reader does', () => {
    let compared = 0;
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const strict = parseManifests(text);
      const lenient = parseLenient(text);
      if (!strict.ok) continue;
      assert.ok(lenient.ok, relative(CORPUS, path));
      // The paths as written (the lenient reader keeps `<<` keys): what a merge brings in is placed
      // by each reader its own way, so the walk stops at a mapping with a merge key.
      const visit = (value: unknown, at: (string | number)[]) => {
        assert.is(lenient.documents[0].lineOf(at), strict.documents[0].lineOf(at), `${relative(CORPUS, path)}: ${at.join('.')}`);
        compared++;
        if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...at, index]));
        else if (value && typeof value === 'object' && !('<<' in value)) for (const key of Object.keys(value)) visit((value as Record<string, unknown>)[key], [...at, key]);
      };
      visit(lenient.documents[0].value, []);
    }
    assert.ok(compared > 5000, `${compared} paths compared`);
  });

  test('pinned findings: the memory settings NOTES.md records, on their lines', () => {
    const pick = (file: string, id: string) => read(join(CORPUS, file)).report.findings.filter((finding) => finding.ruleId === id).map((finding) => `${finding.line} ${finding.container}`);
    // deploy.resources.reservations.memory 8192m under a 12288m limit.
    assert.equal(pick('DependencyTrack__dependency-track/src/main/docker/docker-compose.yml', 'memory-request-not-equal-limit'), ['97 dtrack-apiserver']);
    // mem_limit 3G with mem_reservation 1G on ClickHouse.
    assert.equal(pick('apache__dolphinscheduler/dolphinscheduler-e2e/dolphinscheduler-e2e-case/src/test/resources/docker/datasource-clickhouse/docker-compose.yaml', 'memory-request-not-equal-limit').length, 1);
    // memswap_limit ${APP_MEMSWAP_LIMIT:-16G} over a ${APP_MEMORY_LIMIT:-12G} limit: 4G of swap.
    const pipeshub = read(join(CORPUS, 'pipeshub-ai__pipeshub-ai/deployment/docker-compose/docker-compose.yml')).report.findings.find((finding) => finding.ruleId === 'memory-swap-allowed' && finding.container === 'pipeshub-ai')!;
    assert.is(pipeshub.message, 'service "pipeshub-ai" is limited to 12Gi but memswap_limit 16G lets it swap 4Gi more; set memswap_limit to 12G');
    assert.is(pipeshub.fix, undefined, 'an interpolated memswap_limit is not overwritten');
    // A Node.js app under deploy limits 256M with no NODE_OPTIONS.
    assert.equal(pick('IceWhaleTech__CasaOS-AppStore/Apps/MySpeed/docker-compose.yml', 'memory-swap-allowed'), ['8 myspeed']);
    // The old petclinic: service-level mem_limit and java entrypoints without a heap size.
    assert.is(pick('spring-petclinic__spring-petclinic-microservices@850aa93/docker-compose.yml', 'jvm-heap-unset').length, 8);
    // The file the strict YAML reader refuses (a flow list closed at its key's indentation), read by
    // the lenient one with the same lines; fix leaves it alone.
    const otel = read(join(CORPUS, 'open-telemetry__opentelemetry-demo/compose.yaml')).report;
    assert.match(otel.notes[0].message, /^read with the lenient YAML reader/);
    assert.ok(otel.findings.some((finding) => `${finding.line} ${finding.ruleId} ${finding.container}` === '45 memory-swap-allowed ad'));
    assert.ok(otel.findings.some((finding) => `${finding.line} ${finding.ruleId} ${finding.container}` === '139 go-memlimit-exceeds-limit checkout'));
    assert.not.ok(otel.findings.some((finding) => finding.fix));
    // healthcheck disabled with test: ["NONE"] is respected (NOTES.md: 2 entries).
    const all = files.flatMap((path) => read(path).report.findings);
    assert.ok(all.filter((finding) => finding.ruleId === 'healthcheck-missing').length > 50);
    assert.not.ok(all.some((finding) => /probe/.test(finding.ruleId)), 'no Kubernetes probe rule on Compose');
  });

  test('fix over the corpus: no fixable finding left, only fixed lines change, comments survive, a second fix is a no-op', () => {
    let changed = 0;
    let applied = 0;
    for (const path of files) {
      const { text, name, lint } = read(path);
      const first = fixText(text, name, linter, { lint });
      assert.equal(first.unfixed.filter(({ finding }) => finding.fix).map(({ finding, reason }) => `${finding.ruleId}: ${reason}`), [], `${name}: fixable findings left`);
      const second = fixText(first.output, name, linter, { lint });
      assert.is(second.changed, false, `${name}: second fix changed the file`);
      const patch = structuredPatch(name, name, text, first.output, '', '', { context: 0 });
      for (const hunk of patch.hunks) {
        const removed = hunk.lines.filter((line) => line.startsWith('-')).map((line) => line.slice(1));
        const added = hunk.lines.filter((line) => line.startsWith('+')).map((line) => line.slice(1));
        assert.ok(added.length >= removed.length, `${name}: a fix removed lines\n${hunk.lines.join('\n')}`);
        removed.forEach((line, index) => {
          const key = /^(\s*(?:- )?[^:#=]+[:=]\s*)/.exec(line)?.[1];
          assert.ok(key && added[index].startsWith(key), `${name}: "${line}" lost its key in "${added[index]}"`);
        });
        // Every added or rewritten line is one of the fields oomguard fixes.
        for (const line of added) assert.match(line, /^\s*(?:- )?(memswap_limit|mem_limit|mem_reservation|memory|environment|JAVA_TOOL_OPTIONS|NODE_OPTIONS|GOMEMLIMIT|reservations|limits|resources|deploy|command|entrypoint|"?-Xmx|[A-Z_]+[:=])/, `${name}: unexpected line "${line}"`);
      }
      const comments = (source: string) => source.split('\n').filter((line) => line.trim().startsWith('#'));
      assert.equal(comments(first.output), comments(text), `${name}: comment lines changed`);
      if (first.changed) changed++;
      applied += first.applied.length;
    }
    assert.ok(changed >= 10 && applied >= 60, `the corpus exercises the Compose fixer (${changed} files, ${applied} fixes)`);
  });

  test('the Compose schema finds nothing new in a fixed file', () => {
    let valid = 0;
    for (const path of files) {
      const { text, name, lint } = read(path);
      const fixed = fixText(text, name, linter, { lint });
      if (!fixed.changed) continue;
      const original = parseManifests(text);
      assert.ok(original.ok, `${name}: the strict reader parses every file fix changes`);
      const before = composeSchemaErrors(original.documents[0].value);
      const parsed = parseManifests(fixed.output);
      assert.ok(parsed.ok, `${name}: the fixed file parses`);
      assert.equal(composeSchemaErrors(parsed.documents[0].value), before, `${name}: the fix added schema errors`);
      if (before.length === 0) valid++;
    }
    assert.ok(valid >= 9, `${valid} fixed files valid against the schema (9 measured)`);
  });

  if (haveTool('docker-compose', 'Debian\'s docker-compose checks that fixed files still read as Compose (apt-get install docker-compose)')) {
    test('docker-compose config accepts every fixed file whose original it accepts', () => {
      const dir = mkdtempSync(join(tmpdir(), 'oomguard-compose-corpus-'));
      let checked = 0;
      try {
        for (const path of files) {
          const { text, name, lint } = read(path);
          const fixed = fixText(text, name, linter, { lint });
          if (!fixed.changed) continue;
          // Beside the original, so .env, extends and env_file resolve the same way.
          const copy = join(dirname(path), `.oomguard-fixed-${process.pid}.yml`);
          const config = (file: string) => spawnSync('docker-compose', ['-f', file, '--project-directory', dirname(path), 'config', '-q'], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: dir } });
          const before = config(path);
          if (before.status !== 0) continue; // 1.29 predates some Compose-spec keys these files use
          try {
            writeFileSync(copy, fixed.output);
            const after = config(copy);
            assert.is(after.status, 0, `${name}: docker-compose config rejects the fixed file: ${after.stderr}`);
          } finally {
            rmSync(copy, { force: true });
          }
          checked++;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // 1.29 refuses most of the corpus before any fix (build contexts and env files not copied,
      // `name:`, newer keys); 3 files are both accepted and changed by fix, as measured here.
      assert.ok(checked >= 3, `docker-compose config checked ${checked} fixed files`);
    });
  }
}

test.run();
