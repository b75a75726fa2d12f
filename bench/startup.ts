/**
 * `npm run bench:startup`: `oomguard lint` of one small file (the pre-commit case) against a bare
 * `node -e 0`, target ≤ 1.3x (issue #18 item 4). Runs alternate, baseline then subject, RUNS times
 * (default 41); each pair's own ratio is taken and the median of those ratios is the figure, so a
 * slow spell of the shared machine slows both halves of a pair alike.
 *
 * CPU time is each child's own (user + system since exec, all threads), written at its exit by
 * bench/cpu-at-exit.js, preloaded into both sides alike; wall time is the parent's clock around
 * spawnSync. Standard output is /dev/null or a pipe (pre-commit reads the hook's output through a
 * pipe). The third side is the same lint from dist/'s modules, without the bundle: what it saves.
 *
 * Prints a table and writes bench/results/startup.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFleet } from './fleet';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'oomguard.js');
const CPU_AT_EXIT = join(__dirname, 'cpu-at-exit.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 41);
const UNBUNDLED = `require(${JSON.stringify(join(ROOT, 'dist', 'lib', 'cli', 'main.js'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;

interface Sample { wallMs: number; cpuMs: number }

function measure(args: string[], stdout: 'ignore' | 'pipe'): Sample {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-r', CPU_AT_EXIT, ...args], { cwd: ROOT, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = /oomguard-bench-cpu (\d+)/.exec(result.stderr ?? '');
  if (!cpu || (result.status !== 0 && result.status !== 1)) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { wallMs, cpuMs: Number(cpu[1]) / 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const spread = (values: number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'oomguard-bench-startup-'));
  try {
    writeFleet(join(work, 'one'), 1, 1);
    const file = join(work, 'one', 'fleet-0000.yaml');
    const sides = {
      baseline: ['-e', '0'],
      lint: [CLI, 'lint', file],
      unbundled: ['-e', UNBUNDLED, 'lint', file],
    };
    const results: Record<string, unknown> = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavgBefore: loadavg() },
      date: new Date().toISOString(),
      runs: RUNS,
      target: 1.3,
    };
    const row = (name: string, value: string) => console.log(`${name.padEnd(40)} ${value}`);
    const fmt = ({ median: m, min, max }: { median: number; min: number; max: number }, unit: string, digits = 1) => `${m.toFixed(digits)}${unit} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
    console.log(`oomguard start-up: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, ${RUNS} alternating runs, load ${loadavg()[0].toFixed(1)}\n`);
    for (const stdout of ['ignore', 'pipe'] as const) {
      const samples: Record<keyof typeof sides, Sample[]> = { baseline: [], lint: [], unbundled: [] };
      for (let run = 0; run < RUNS; run++) {
        for (const side of Object.keys(sides) as (keyof typeof sides)[]) samples[side].push(measure(sides[side], stdout));
      }
      const paired = (side: keyof typeof sides, key: keyof Sample) => spread(samples[side].map((sample, run) => sample[key] / samples.baseline[run][key]));
      const summary = {
        baseline: { cpuMs: spread(samples.baseline.map((s) => s.cpuMs)), wallMs: spread(samples.baseline.map((s) => s.wallMs)) },
        lint: { cpuMs: spread(samples.lint.map((s) => s.cpuMs)), wallMs: spread(samples.lint.map((s) => s.wallMs)), pairedCpu: paired('lint', 'cpuMs'), pairedWall: paired('lint', 'wallMs') },
        unbundled: { cpuMs: spread(samples.unbundled.map((s) => s.cpuMs)), wallMs: spread(samples.unbundled.map((s) => s.wallMs)), pairedCpu: paired('unbundled', 'cpuMs'), pairedWall: paired('unbundled', 'wallMs') },
      };
      results[stdout === 'ignore' ? 'stdoutDevNull' : 'stdoutPipe'] = summary;
      const where = stdout === 'ignore' ? 'stdout /dev/null' : 'stdout a pipe';
      row(`node -e 0 (${where})`, `CPU ${fmt(summary.baseline.cpuMs, ' ms')}, wall ${fmt(summary.baseline.wallMs, ' ms')}`);
      row(`lint one small file (${where})`, `CPU ${fmt(summary.lint.cpuMs, ' ms')}: paired ${fmt(summary.lint.pairedCpu, 'x', 2)} (target ≤ 1.3x); wall paired ${fmt(summary.lint.pairedWall, 'x', 2)}`);
      row(`  without the bundle (${where})`, `CPU ${fmt(summary.unbundled.cpuMs, ' ms')}: paired ${fmt(summary.unbundled.pairedCpu, 'x', 2)}; wall paired ${fmt(summary.unbundled.pairedWall, 'x', 2)}`);
    }
    (results.machine as Record<string, unknown>).loadavgAfter = loadavg();
    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'startup.json'), `${JSON.stringify(results, null, 2)}\n`);
    // Checked here, not in a test: the figure belongs to a calm machine.
    const lint = (results.stdoutPipe as { lint: { pairedCpu: { median: number } } }).lint.pairedCpu.median;
    if (lint > 1.3) console.log(`\nabove the 1.3x target (load ${loadavg()[0].toFixed(1)}): rerun on a calm machine before reading it as a regression`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
