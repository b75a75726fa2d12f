/**
 * `npm run build && node dist/bench/recommend.js`: `oomguard recommend` against a real Prometheus
 * backfilled with a generated fleet (bench/recommend-fleet.ts), at sizes ten times apart.
 *
 * For each size: generate, backfill (`promtool tsdb create-blocks-from openmetrics`), start
 * `prometheus`, run `oomguard recommend --format json` in a fresh process (bench/recommend-child.ts,
 * which reports the process's peak RSS and heap), and check every peak and verdict against the generator. Prints
 * time, queries, pages, peak RSS and mismatches, and writes bench/results/recommend.json.
 *
 * The 2,000-container fleet is the (400 workloads, 3 days at 5-minute resolution). The
 * 20,000-container one samples cAdvisor hourly (BENCH_BIG_RESOLUTION) to keep its backfill in minutes:
 * recommend's work and memory depend on containers × steps (1h), not on the scrape resolution.
 * Options: BENCH_SIZES=200,2000,20000, BENCH_RUNS=3 (runs per side, after one warm-up), BENCH_COMPARE=DIR
 * (another build's dist/: its runs alternate with this build's, and the paired ratios are printed).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFleet, type ExpectedContainer } from './recommend-fleet';
import { backfill, startPrometheus } from '../test/helpers/prometheus-server';

const ROOT = join(__dirname, '..', '..');
const END = Date.UTC(2026, 10, 30) / 1000;

interface Run {
  side: string;
  recommendSeconds: number;
  cpuSeconds: number;
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

interface Figures {
  containers: number;
  workloads: number;
  resolutionSeconds: number;
  samples: number;
  generateSeconds: number;
  backfillSeconds: number;
  runs: Run[];
}

function id(c: { namespace: string; kind: string; workload: string; container: string }): string {
  return `${c.namespace}/${c.kind}/${c.workload}/${c.container}`;
}

/** Sides to run, alternating: this build, and with BENCH_COMPARE=DIR the build in DIR (its dist/). */
function sides(): { name: string; main?: string }[] {
  const other = process.env.BENCH_COMPARE;
  return [{ name: 'this' }, ...(other ? [{ name: 'compare', main: join(other, 'lib', 'cli', 'main.js') }] : [])];
}

function once(side: { name: string; main?: string }, url: string, fleet: { containers: readonly ExpectedContainer[] }): Run {
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--expose-gc', join(ROOT, 'dist', 'bench', 'recommend-child.js'), 'recommend', '--prometheus', url, '--window', '3d', '--at', String(END), '--format', 'json'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, ...(side.main ? { BENCH_MAIN: side.main } : {}) },
  });
  const recommendSeconds = (Date.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`recommend exited ${run.status}: ${run.stderr}`);
  const figure = (name: string) => Number(new RegExp(`${name} (\\d+)`).exec(run.stderr)?.[1] ?? 0);
  const report = JSON.parse(run.stdout) as { queries: number; pages: number; containers: Record<string, any>[] };
  const got = new Map(report.containers.map((c) => [id(c as never), c]));
  let wrongPeaks = 0;
  let wrongVerdicts = 0;
  const wrongByKind = new Map<string, number>();
  for (const e of fleet.containers) {
    const g = got.get(id(e));
    if (!g || g.workingSetBytes !== e.peakWorkingSet || g.rssBytes !== e.peakRss) wrongPeaks++;
    if (!g || g.verdict.kind !== e.verdict) {
      wrongVerdicts++;
      wrongByKind.set(e.kind, (wrongByKind.get(e.kind) ?? 0) + 1);
    }
  }
  return {
    side: side.name, recommendSeconds, cpuSeconds: figure('cpums') / 1000, queries: report.queries, pages: report.pages,
    maxRssMiB: Math.round(figure('maxrss') / 1024), peakHeapMiB: Math.round(figure('peakheap') / 1024), retainedHeapMiB: Math.round(figure('retainedheap') / 1024),
    rows: report.containers.length, wrongPeaks, wrongVerdicts, wrongVerdictsByKind: Object.fromEntries(wrongByKind),
  };
}

async function measure(containers: number, resolution: number, runs: number): Promise<Figures> {
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
      // One run to warm Prometheus' page cache, not counted; then the sides alternate, run after run.
      once(sides()[0], server.url, fleet);
      const results: Run[] = [];
      for (let r = 0; r < runs; r++) for (const side of sides()) results.push(once(side, server.url, fleet));
      return {
        containers: fleet.running, workloads: new Set(fleet.containers.map((c) => `${c.namespace}/${c.workload}`)).size, resolutionSeconds: resolution,
        samples: fleet.samples, generateSeconds, backfillSeconds, runs: results,
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function spread(values: number[], digits = 0): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '200,2000,20000').split(',').map(Number);
  const bigResolution = Number(process.env.BENCH_BIG_RESOLUTION ?? 3600);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const results: Figures[] = [];
  for (const size of sizes) {
    const figures = await measure(size, size <= 2000 ? 300 : bigResolution, runs);
    results.push(figures);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
  const lines = ['', '| fleet | side | recommend (wall) | CPU | queries | pages | peak RSS | heap: peak / retained | wrong peaks / verdicts |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    for (const side of sides()) {
      const mine = r.runs.filter((run) => run.side === side.name);
      const last = mine[mine.length - 1];
      lines.push(`| ${r.containers.toLocaleString('en')} containers, ${r.workloads} workloads, ${r.resolutionSeconds / 60}-min samples (${(r.samples / 1e6).toFixed(1)}M) | ${side.name} | ${spread(mine.map((m) => m.recommendSeconds), 1)} s | ${spread(mine.map((m) => m.cpuSeconds), 1)} s | ${last.queries} | ${last.pages} | ${spread(mine.map((m) => m.maxRssMiB))} MiB | ${median(mine.map((m) => m.peakHeapMiB))} / ${median(mine.map((m) => m.retainedHeapMiB))} MiB | ${last.wrongPeaks} / ${last.wrongVerdicts} |`);
    }
    if (sides().length === 2) {
      const mine = r.runs.filter((run) => run.side === 'this');
      const theirs = r.runs.filter((run) => run.side === 'compare');
      const ratios = mine.map((m, i) => m.maxRssMiB / theirs[i].maxRssMiB);
      const cpu = mine.map((m, i) => m.cpuSeconds / theirs[i].cpuSeconds);
      lines.push(`| | this / compare, paired | | ${spread(cpu, 2)} | | | ${spread(ratios, 2)} | | |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  for (let i = 1; i < results.length; i++) {
    for (const side of sides()) {
      const rss = (r: Figures) => median(r.runs.filter((run) => run.side === side.name).map((run) => run.maxRssMiB));
      process.stdout.write(`${side.name}: peak RSS for ${results[i].containers / results[i - 1].containers}x the containers (${results[i - 1].containers} → ${results[i].containers}): ${(rss(results[i]) / rss(results[i - 1])).toFixed(2)}x\n`);
    }
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'recommend.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
});
