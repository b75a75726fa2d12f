/**
 * One 50 MB file costs what its largest document costs (issue #18 item 2): a `kubectl get -o yaml`
 * dump of ~48,000 Deployments, as separate documents and as one `kind: List`, and the same List as
 * JSON, each linted by the real CLI with its peak RSS read by getrusage. Before documents were read a
 * stretch at a time the peak was ~1,150 MiB for each; the ceiling here is 400 MiB, far above what the
 * bench measures (~220 MiB) and far below the old cost. The findings must be the same in all forms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeDump } from '../bench/fleet';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oomguard.js');
const CEILING_KIB = 400 * 1024;
const BYTES = 50 * 2 ** 20;

const work = mkdtempSync(join(tmpdir(), 'oomguard-big-file-'));

interface Run {
  rssKiB: number;
  findings: { ruleId: string; line: number; document: number; path: string; resource: { name: string } }[];
  summary: { documents: number; workloads: number };
}

function lint(file: string): Run {
  const rssFile = join(work, 'rss');
  const result = spawnSync(process.execPath, ['-r', join(ROOT, 'test', 'helpers', 'report-max-rss.js'), BIN, 'lint', '--format', 'json', file], {
    env: { ...process.env, OOMGUARD_TEST_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  assert.is(result.stderr, '');
  assert.is(result.status, 1, 'error-level findings');
  const output = JSON.parse(result.stdout);
  return { rssKiB: Number(readFileSync(rssFile, 'utf8')), findings: output.findings, summary: output.summary };
}

const documents = join(work, 'documents.yaml');
const list = join(work, 'list.yaml');
const count = writeDump(documents, BYTES, 'documents');
writeDump(list, BYTES, 'list', count);

test('a 50 MB dump of separate documents: peak RSS under 400 MiB, every document linted', () => {
  const run = lint(documents);
  assert.ok(run.rssKiB < CEILING_KIB, `peak RSS ${(run.rssKiB / 1024).toFixed(0)} MiB`);
  assert.is(run.summary.documents, count);
  assert.is(run.summary.workloads, count);
  // Document i is Deployment svc-i, to the end of the file.
  assert.ok(run.findings[run.findings.length - 1].document > count - 10);
  assert.ok(run.findings.every((finding) => finding.resource.name === `svc-${finding.document}`));
});

test('the same Deployments as one kubectl List (YAML, then JSON): under 400 MiB, the same findings', () => {
  const separate = lint(documents);
  const run = lint(list);
  assert.ok(run.rssKiB < CEILING_KIB, `peak RSS ${(run.rssKiB / 1024).toFixed(0)} MiB`);
  assert.is(run.summary.documents, 1);
  assert.is(run.summary.workloads, count);
  assert.equal(run.findings.map((finding) => `${finding.ruleId} ${finding.resource.name}`), separate.findings.map((finding) => `${finding.ruleId} ${finding.resource.name}`));
  // The List's item i starts on its own line: every finding's line holds what its path names.
  const lines = readFileSync(list, 'utf8').split('\n');
  for (const finding of run.findings.slice(0, 50)) assert.ok(lines[finding.line - 1].trim().length > 0, `line ${finding.line}`);
  assert.ok(run.findings.every((finding) => finding.path.startsWith('items[')));

  const json = join(work, 'list.json');
  assert.is(writeDump(json, BYTES, 'json', count), count);
  const fromJson = lint(json);
  assert.ok(fromJson.rssKiB < CEILING_KIB, `peak RSS ${(fromJson.rssKiB / 1024).toFixed(0)} MiB`);
  // One item a line: the same findings, in the order the rules make them rather than by line.
  const keys = (found: Run['findings']) => found.map((finding) => `${finding.ruleId} ${finding.path}`).sort();
  assert.equal(keys(fromJson.findings), keys(run.findings));
  // one item a line, after the opening line
  assert.ok(fromJson.findings.every((finding) => finding.line === Number(/^items\[(\d+)\]/.exec(finding.path)![1]) + 2));
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
