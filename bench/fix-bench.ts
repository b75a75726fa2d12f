/**
 * `fix` against `lint` on the same folder (issue #18, row 1: ≤ 3x at 2,000 and at 20,000 documents,
 * peak memory flat as the fleet grows). Each measurement is a fresh process; the two sides alternate
 * run by run (lint, fix, lint, fix ...) so a slow spell of the shared machine hits both, and the
 * target is judged on the median of each pair's own ratio of CPU time (user + sys of the child, from
 * its own process.resourceUsage()), with wall time beside it. `fix` (writing) runs on a fresh copy
 * of the fleet each time (the copy is not timed), its lint partner on the same copy.
 *
 * Alone: `node dist/bench/fix-bench.js` (BENCH_RUNS, default 5). bench/run.ts can call `benchFix`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The build this file belongs to (dist/), whose CLI the children run. */
const DIST = join(__dirname, '..');

interface Usage {
  /** user + sys CPU of the child, ms */
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly maxRssKiB: number;
}

/** One CLI run in a fresh process that reports its own CPU time and peak RSS (this file with --child). */
function runCli(args: readonly string[], cwd: string): Usage {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [__filename, '--child', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const match = /^oomguard-usage (\d+) (\d+)$/m.exec(result.stderr);
  if (!match || (result.status !== 0 && result.status !== 1)) throw new Error(`oomguard ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  return { cpuMs: Number(match[1]) / 1000, wallMs, maxRssKiB: Number(match[2]) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface Paired {
  readonly runs: number;
  readonly lintCpuMs: number;
  readonly fixCpuMs: number;
  readonly lintWallMs: number;
  readonly fixWallMs: number;
  /** Median of the per-pair CPU ratios (fix / lint): what the target is judged on. */
  readonly pairedCpuRatio: number;
  readonly cpuRatioRange: readonly [number, number];
  readonly pairedWallRatio: number;
  readonly lintMaxRssKiB: number;
  readonly fixMaxRssKiB: number;
  readonly cpuRatios: readonly number[];
}

function pair(runs: number, lint: () => Usage, fix: () => Usage): Paired {
  const lints: Usage[] = [];
  const fixes: Usage[] = [];
  for (let run = 0; run < runs; run++) {
    lints.push(lint());
    fixes.push(fix());
  }
  const cpuRatios = fixes.map((usage, run) => usage.cpuMs / lints[run].cpuMs);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    runs,
    lintCpuMs: Math.round(median(lints.map((usage) => usage.cpuMs))),
    fixCpuMs: Math.round(median(fixes.map((usage) => usage.cpuMs))),
    lintWallMs: Math.round(median(lints.map((usage) => usage.wallMs))),
    fixWallMs: Math.round(median(fixes.map((usage) => usage.wallMs))),
    pairedCpuRatio: round(median(cpuRatios)),
    cpuRatioRange: [round(Math.min(...cpuRatios)), round(Math.max(...cpuRatios))],
    pairedWallRatio: round(median(fixes.map((usage, run) => usage.wallMs / lints[run].wallMs))),
    lintMaxRssKiB: median(lints.map((usage) => usage.maxRssKiB)),
    fixMaxRssKiB: median(fixes.map((usage) => usage.maxRssKiB)),
    cpuRatios: cpuRatios.map(round),
  };
}

export interface FixBenchResults {
  readonly dryRun2000: Paired;
  readonly dryRun20000: Paired;
  readonly write2000: Paired;
  readonly write20000: Paired;
  /** Peak RSS of fix --dry-run at 20,000 documents over 2,000 (target ≤ 1.5x, as lint's). */
  readonly fixRssRatio: number;
  readonly lintRssRatio: number;
  readonly target: 3;
}

/**
 * Measure `fix --dry-run` and `fix` against `lint --format json` on two fleets (bench/fleet.ts
 * `writeFleet(dir, 20, 100)` and `(dir, 200, 100)`), `runs` pairs each; `work` is a scratch folder
 * for the copies that `fix` rewrites. Prints one row per measurement.
 */
export function benchFix(work: string, fleets: { small: string; big: string }, runs: number): FixBenchResults {
  const dryRun = (folder: string) => pair(runs, () => runCli(['lint', '--format', 'json', folder], work), () => runCli(['fix', '--dry-run', '--format', 'json', folder], work));
  const write = (folder: string) => {
    const copy = join(work, 'fix-copy');
    return pair(
      runs,
      () => {
        rmSync(copy, { recursive: true, force: true });
        cpSync(folder, copy, { recursive: true });
        return runCli(['lint', '--format', 'json', copy], work);
      },
      () => runCli(['fix', '--format', 'json', copy], work),
    );
  };
  const dryRun2000 = dryRun(fleets.small);
  const dryRun20000 = dryRun(fleets.big);
  const write2000 = write(fleets.small);
  const write20000 = write(fleets.big);
  const results: FixBenchResults = {
    dryRun2000,
    dryRun20000,
    write2000,
    write20000,
    fixRssRatio: Math.round((dryRun20000.fixMaxRssKiB / dryRun2000.fixMaxRssKiB) * 100) / 100,
    lintRssRatio: Math.round((dryRun20000.lintMaxRssKiB / dryRun2000.lintMaxRssKiB) * 100) / 100,
    target: 3,
  };
  const row = (name: string, value: string) => console.log(`${name.padEnd(44)} ${value}`);
  const describe = (paired: Paired) =>
    `${paired.fixCpuMs} ms vs lint ${paired.lintCpuMs} ms CPU: paired ${paired.pairedCpuRatio.toFixed(2)}x (${paired.cpuRatioRange[0].toFixed(2)}–${paired.cpuRatioRange[1].toFixed(2)}, target ≤ 3x); wall ${paired.fixWallMs} vs ${paired.lintWallMs} ms, paired ${paired.pairedWallRatio.toFixed(2)}x`;
  row('fix --dry-run vs lint, 2,000 documents', describe(dryRun2000));
  row('fix --dry-run vs lint, 20,000 documents', describe(dryRun20000));
  row('fix (writing) vs lint, 2,000 documents', describe(write2000));
  row('fix (writing) vs lint, 20,000 documents', describe(write20000));
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  row('fix peak RSS 20,000 vs 2,000 documents', `${mib(dryRun20000.fixMaxRssKiB)} vs ${mib(dryRun2000.fixMaxRssKiB)}: ${results.fixRssRatio.toFixed(2)}x (target ≤ 1.5x; lint ${mib(dryRun20000.lintMaxRssKiB)} vs ${mib(dryRun2000.lintMaxRssKiB)}, ${results.lintRssRatio.toFixed(2)}x)`);
  return results;
}

function child(args: string[]): void {
  // Only the CLI is loaded here, as bin/oomguard.js would: the bench's own modules stay out of the child.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require(join(DIST, 'lib', 'cli', 'main.js')) as typeof import('../lib/cli/main');
  main(args).then((code) => {
    const usage = process.resourceUsage();
    process.stderr.write(`\noomguard-usage ${usage.userCPUTime + usage.systemCPUTime} ${usage.maxRSS}\n`);
    process.exitCode = code;
  });
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    child(process.argv.slice(3));
  } else {
    const runs = Number(process.env.BENCH_RUNS ?? 5);
    const work = mkdtempSync(join(tmpdir(), 'oomguard-fix-bench-'));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { writeFleet } = require('./fleet') as typeof import('./fleet');
      const small = join(work, 'fleet-2000');
      const big = join(work, 'fleet-20000');
      writeFleet(small, 20, 100);
      writeFleet(big, 200, 100);
      console.log(`oomguard fix benchmarks: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, ${runs} pairs, load ${require('node:os').loadavg().map((value: number) => value.toFixed(2)).join(' ')}\n`);
      const results = benchFix(work, { small, big }, runs);
      console.log(`\n${JSON.stringify(results)}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}
