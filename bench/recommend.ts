/**
 * `npm run build && node dist/bench/recommend.js`: `oomguard recommend` against a real Prometheus
 * backfilled with a generated fleet (bench/recommend-fleet.ts), at two sizes ten times apart.
 *
 * For each size: generate, backfill (`promtool tsdb create-blocks-from openmetrics`), start
 * `prometheus`, run `oomguard recommend --format json` in a fresh process (bench/recommend-child.ts,
 * which reports the process's peak RSS and heap), and check every peak and verdict against the generator. Prints
 * time, queries, pages, peak RSS and mismatches, and writes bench/results/recommend.json.
 *
 * The 2,000-container fleet is the (400 workloads, 3 days at 5-minute resolution). The
 * 20,000-container one samples cAdvisor hourly (BENCH_BIG_RESOLUTION) to keep its backfill in minutes:
 * recommend's work and memory depend on containers × steps (1h), not on the scrape resolution.
 * Options: BENCH_SIZES=2000,20000.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFleet, type ExpectedContainer } from './recommend-fleet';
import { backfill, startPrometheus } from '../test/helpers/prometheus-server';

const ROOT = join(__dirname, '..', '..');
const END = Date.UTC(2026, 10, 30) / 1000;

interface Figures {
  containers: number;
  workloads: number;
  resolutionSeconds: number;
  samples: number;
  generateSeconds: number;
  backfillSeconds: number;
  recommendSeconds: number;
  queries: number;
  pages: number;
  maxRssMiB: number;
  peakHeapMiB: number;
  retainedHeapMiB: number;
  rows: number;
  wrongPeaks: number;
  wrongVerdicts: number;
  wrongVerdictsByKind: Record<string, number>;
}

function id(c: { namespace: string; kind: string; workload: string; container: string }): string {
  return `${c.namespace}/${c.kind}/${c.workload}/${c.container}`;
}

async function measure(containers: number, resolution: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-bench-recommend-'));
  try {
    const data = join(dir, 'fleet.om');
    let started = Date.now();
    const fleet = writeFleet(data, { end: END, containers, workloads: containers / 5, namespaces: Math.max(20, containers / 100), resolution });
    const generateSeconds = (Date.now() - started) / 1000;
    started = Date.now();
    backfill(dir, data);
    const backfillSeconds = (Date.now() - started) / 1000;
    rmSync(data);
    const server = await startPrometheus(dir);
    try {
      started = Date.now();
      const run = spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'dist', 'bench', 'recommend-child.js'), 'recommend', '--prometheus', server.url, '--window', '3d', '--at', String(END), '--format', 'json'], {
        cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30,
      });
      const recommendSeconds = (Date.now() - started) / 1000;
      if (run.status !== 0) throw new Error(`recommend exited ${run.status}: ${run.stderr}`);
      const maxRss = Number(/maxrss (\d+)/.exec(run.stderr)?.[1] ?? 0);
      const peakHeap = Number(/peakheap (\d+)/.exec(run.stderr)?.[1] ?? 0);
      const retainedHeap = Number(/retainedheap (\d+)/.exec(run.stderr)?.[1] ?? 0);
      const report = JSON.parse(run.stdout) as { queries: number; pages: number; containers: Record<string, any>[] };
      const got = new Map(report.containers.map((c) => [id(c as never), c]));
      let wrongPeaks = 0;
      let wrongVerdicts = 0;
      const wrongByKind = new Map<string, number>();
      for (const e of fleet.containers as ExpectedContainer[]) {
        const g = got.get(id(e));
        if (!g || g.workingSetBytes !== e.peakWorkingSet || g.rssBytes !== e.peakRss) wrongPeaks++;
        if (!g || g.verdict.kind !== e.verdict) {
          wrongVerdicts++;
          wrongByKind.set(e.kind, (wrongByKind.get(e.kind) ?? 0) + 1);
        }
      }
      return {
        containers: fleet.running, workloads: new Set(fleet.containers.map((c) => `${c.namespace}/${c.workload}`)).size, resolutionSeconds: resolution,
        samples: fleet.samples, generateSeconds, backfillSeconds, recommendSeconds, queries: report.queries, pages: report.pages,
        maxRssMiB: Math.round(maxRss / 1024), peakHeapMiB: Math.round(peakHeap / 1024), retainedHeapMiB: Math.round(retainedHeap / 1024), rows: report.containers.length, wrongPeaks, wrongVerdicts, wrongVerdictsByKind: Object.fromEntries(wrongByKind),
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '2000,20000').split(',').map(Number);
  const bigResolution = Number(process.env.BENCH_BIG_RESOLUTION ?? 3600);
  const results: Figures[] = [];
  for (const size of sizes) {
    const figures = await measure(size, size <= 2000 ? 300 : bigResolution);
    results.push(figures);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
  const rows = results.map((r) => `| ${r.containers.toLocaleString('en')} containers, ${r.workloads} workloads, ${r.resolutionSeconds / 60}-min samples (${(r.samples / 1e6).toFixed(1)}M) | ${r.recommendSeconds.toFixed(1)} s | ${r.queries} | ${r.pages} | ${r.maxRssMiB} MiB | ${r.peakHeapMiB} / ${r.retainedHeapMiB} MiB | ${r.wrongPeaks} / ${r.wrongVerdicts} |`);
  process.stdout.write(['', '| fleet | recommend | queries | pages | peak RSS | heap: peak / retained | wrong peaks / verdicts |', '|---|---|---|---|---|---|---|', ...rows, ''].join('\n'));
  if (results.length === 2) process.stdout.write(`peak RSS ratio for ${results[1].containers / results[0].containers}x the containers: ${(results[1].maxRssMiB / results[0].maxRssMiB).toFixed(2)}x\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'recommend.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
});
