/**
 * Every rule through the real webhook, with the rules' own fixtures (test/fixtures/rules/<id>/):
 * each `fail*.yaml` document is denied with the rule's exact messages when the rule is an error
 * (as the config makes it), warned with them when it is a warning, and `pass*.yaml` never raises it.
 * For the rules the webhook mutates, the patch (applied with fast-json-patch) removes the finding
 * and writes the same values `oomguard fix` writes (`fail*.fixed.yaml`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch } from 'fast-json-patch';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatJsonPath, type JsonPath } from '../lib/core/workload';
import { createLinter } from '../lib/engine/linter';
import { parseManifests } from '../lib/manifests/documents';
import { RULES } from '../lib/rules';
import { MUTATING_RULES } from '../lib/webhook/mutation';
import { startWebhook, type WebhookServer } from '../lib/webhook/server';
import { createLogger } from '../lib/webhook/log';
import { haveCapability } from './helpers/tools';
import { admissionReview, call, makePki, patchOf, type Pki } from './helpers/webhook';

const FIXTURES = join(__dirname, 'fixtures', 'rules');

const state = {} as { pki: Pki; strict: WebhookServer; defaults: WebhookServer; corpus: WebhookServer };

function documents(file: string): Record<string, any>[] {
  const parsed = parseManifests(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problem.message}`);
  return parsed.documents.map((document) => document.value as Record<string, any>).filter((value) => value && typeof value === 'object');
}

/** A warning the server shortened to its 256-character budget still matches its message. */
function sameText(sent: string, full: string): boolean {
  return sent === full || (sent.endsWith('…') && full.startsWith(sent.slice(0, -1)));
}

function valueAt(object: unknown, path: JsonPath): unknown {
  let node: any = object;
  for (const segment of path) node = node?.[segment];
  return node;
}

const rules = suite('webhook: every rule');

rules.before(async () => {
  state.pki = makePki();
  const strictConfig = join(state.pki.dir, 'strict.yaml');
  // Every rule an error, the opt-in one too: every failing fixture must be denied.
  writeFileSync(strictConfig, `rules:\n${RULES.map((rule) => `  ${rule.meta.id}: error`).join('\n')}\n`);
  const quiet = createLogger('error', () => undefined);
  state.strict = await startWebhook({ tlsCert: state.pki.cert, tlsKey: state.pki.key, configFile: strictConfig, address: '127.0.0.1', port: 0, logger: quiet, processMetrics: false });
  state.defaults = await startWebhook({ tlsCert: state.pki.cert, tlsKey: state.pki.key, address: '127.0.0.1', port: 0, logger: quiet, processMetrics: false });
});

rules.after(async () => {
  await state.strict.close();
  await state.defaults.close();
});

for (const rule of RULES) {
  const id = rule.meta.id;
  // Admission sees Kubernetes objects: Compose-only rules and the Compose fixtures are not its input.
  if (rule.meta.scope.platforms && !rule.meta.scope.platforms.includes('kubernetes')) continue;
  const folder = join(FIXTURES, id);
  const files = readdirSync(folder).filter((name) => !name.includes('compose'));
  const failing = files.filter((name) => /^fail[^.]*\.yaml$/.test(name));
  const passing = files.filter((name) => /^pass.*\.yaml$/.test(name));

  for (const name of failing) {
    rules(`${id}: ${name} is denied as an error and ${{ off: 'silent by default (opt-in)', error: 'by default', warning: 'warned by default', info: 'silent at info' }[rule.meta.defaultSeverity]} with the rule's messages`, async () => {
      const expected: { message: string; defaultSeverity?: string }[] = JSON.parse(readFileSync(join(folder, name.replace(/\.yaml$/, '.expected.json')), 'utf8'));
      const denied: string[] = [];
      const warned: string[] = [];
      for (const object of documents(join(folder, name))) {
        const strict = await call(state.strict.port, state.pki.ca, '/validate', admissionReview(object));
        assert.is(strict.status, 200);
        if (strict.json.response.allowed === false) {
          assert.is(strict.json.response.status.code, 403);
          denied.push(strict.json.response.status.message);
        }
        const defaults = await call(state.defaults.port, state.pki.ca, '/validate', admissionReview(object));
        warned.push(...(defaults.json.response.warnings ?? []));
        if (defaults.json.response.allowed === false) denied.push(`default: ${defaults.json.response.status.message}`);
      }
      const strictText = denied.filter((text) => !text.startsWith('default: ')).join('\n');
      for (const { message, defaultSeverity } of expected) {
        assert.ok(strictText.includes(`[${id}] ${message}`), `denied with "[${id}] ${message}"\n got: ${strictText}`);
        const severity = defaultSeverity ?? rule.meta.defaultSeverity;
        if (severity === 'warning') {
          assert.ok(warned.some((warning) => sameText(warning, `[${id}] ${message}`)), `warned with "[${id}] ${message}"\n got: ${warned.join('\n')}`);
        } else if (severity === 'error') {
          assert.ok(denied.some((text) => text.startsWith('default: ') && text.includes(`[${id}] ${message}`)), `denied by default with "${message}"`);
        } else {
          // Off by default (opt-in): the default server says nothing of it.
          assert.not.ok([...warned, ...denied.filter((text) => text.startsWith('default: '))].some((text) => text.includes(`[${id}]`)), `${id} is opt-in`);
        }
      }
    });
  }

  for (const name of passing) {
    rules(`${id}: ${name} raises nothing of it`, async () => {
      for (const object of documents(join(folder, name))) {
        const reply = await call(state.strict.port, state.pki.ca, '/validate', admissionReview(object));
        const said = [reply.json.response.status?.message ?? '', ...(reply.json.response.warnings ?? [])].join('\n');
        assert.not.ok(said.includes(`[${id}]`), said);
      }
    });
  }

  if (!MUTATING_RULES.has(id)) continue;
  for (const name of failing.filter((file) => files.includes(file.replace(/\.yaml$/, '.fixed.yaml')))) {
    rules(`${id}: ${name} mutated: the finding is gone and the values are those oomguard fix writes`, async () => {
      const fixed = documents(join(folder, name.replace(/\.yaml$/, '.fixed.yaml')));
      const linter = createLinter({ severities: { [id]: 'error' } });
      const originals = documents(join(folder, name));
      for (const [index, object] of originals.entries()) {
        object.metadata.annotations = { ...object.metadata.annotations, 'oomguard.io/mutate': 'true' };
        const findings = linter.lintDocument(object).filter((finding) => finding.ruleId === id && finding.fix);
        const reply = await call(state.strict.port, state.pki.ca, '/mutate', admissionReview(object));
        assert.is(reply.json.response.allowed, true);
        const patch = patchOf(reply);
        if (findings.length > 0) assert.is(reply.json.response.patchType, 'JSONPatch');
        const result = applyPatch(structuredClone(object), patch, true, false).newDocument;
        assert.equal(linter.lintDocument(result).filter((finding) => finding.ruleId === id && finding.fix), [], `${id} is fixed`);
        for (const finding of findings) {
          for (const edit of finding.fix!.edits) {
            if (edit.op === 'set') {
              assert.equal(valueAt(result, edit.path), valueAt(fixed[index], edit.path), formatJsonPath(edit.path));
            } else {
              const entry = (valueAt(result, [...edit.container, 'env']) as { name: string; value: string }[]).filter((item) => item.name === edit.name);
              assert.equal(entry, (valueAt(fixed[index], [...edit.container, 'env']) as { name: string }[]).filter((item) => item.name === edit.name));
            }
          }
        }
      }
    });
  }
}

rules.run();

/**
 * The shared corpus of real manifests (../shared/corpus): for every pod-bearing object, the webhook
 * with the default config denies with exactly the error findings `oomguard lint -f json` reports for
 * that document, and warns with exactly its warnings.
 */
const corpus = suite('webhook: agrees with lint on the shared corpus');
const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus');

corpus.before(async () => {
  state.corpus = await startWebhook({ tlsCert: state.pki.cert, tlsKey: state.pki.key, address: '127.0.0.1', port: 0, logger: createLogger('error', () => undefined), processMetrics: false });
});

corpus.after(async () => {
  await state.corpus.close();
});

if (haveCapability(existsSync(CORPUS), `the shared corpus is not at ${CORPUS}`)) {
  corpus('every pod-bearing object: denied with lint\'s errors, warned with lint\'s warnings', async () => {
    const linted = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'oomguard.js'), 'lint', '-f', 'json', '.'], { cwd: CORPUS, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
    const report = JSON.parse(linted.stdout) as { findings: { file: string; document: number; severity: string; ruleId: string; message: string }[] };
    const expected = new Map<string, { errors: string[]; warnings: string[] }>();
    for (const finding of report.findings) {
      const key = `${finding.file}#${finding.document}`;
      const entry = expected.get(key) ?? { errors: [], warnings: [] };
      if (finding.severity === 'error') entry.errors.push(`[${finding.ruleId}] ${finding.message}`);
      if (finding.severity === 'warning') entry.warnings.push(`[${finding.ruleId}] ${finding.message}`);
      expected.set(key, entry);
    }
    let reviewed = 0;
    let denied = 0;
    const files = new Set(report.findings.map((finding) => finding.file));
    for (const file of files) {
      const parsed = parseManifests(readFileSync(join(CORPUS, file), 'utf8'));
      if (!parsed.ok) continue;
      for (const document of parsed.documents) {
        const object = document.value as Record<string, any>;
        if (!object || typeof object !== 'object' || /List$/.test(String(object.kind))) continue;
        const want = expected.get(`${file}#${document.index}`) ?? { errors: [], warnings: [] };
        // A namespace of its own: some corpus objects live in kube-system, which the webhook never reviews.
        const reply = await call(state.corpus.port, state.pki.ca, '/validate', admissionReview(object, { namespace: 'corpus' }));
        assert.is(reply.status, 200, file);
        const { response } = reply.json;
        reviewed++;
        if (want.errors.length > 0) {
          denied++;
          assert.is(response.allowed, false, `${file}#${document.index}`);
          if (want.errors.length <= 10) {
            for (const error of want.errors) assert.ok(response.status.message.includes(error), `${file}#${document.index}: ${error}`);
            assert.is(response.status.message.split('; [').length, want.errors.length, `${file}#${document.index}: no other denial`);
          } else assert.match(response.status.message, `; and ${want.errors.length - 10} more`);
        } else assert.is(response.allowed, true, `${file}#${document.index}: ${response.status?.message}`);
        const warnings: string[] = response.warnings ?? [];
        if (want.warnings.length <= 16) {
          assert.is(warnings.length, want.warnings.length, `${file}#${document.index}`);
          // lint orders by line, the webhook by container (init containers first): compare as sets.
          for (const warning of want.warnings) assert.ok(warnings.some((sent) => sameText(sent, warning)), `${file}#${document.index}: ${warning}`);
        }
      }
    }
    assert.ok(reviewed > 50 && denied > 10, `reviewed ${reviewed}, denied ${denied}`);
  });
}

corpus.run();
