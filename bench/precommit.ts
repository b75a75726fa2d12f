/**
 * How long a team waits for the pre-commit hook, measured with the real pre-commit: the first
 * install (pre-commit clones the hook repository, runs `npm install` there, which builds through
 * `prepare`, then `npm pack` and `npm install -g` of the tarball) and each later run on one staged
 * manifest. npm's cache is this machine's (warm), PRE_COMMIT_HOME is fresh per install.
 *
 *   npm run bench:precommit [-- --rev <commit>] [--base <commit>] [--installs N] [--runs N]
 *
 * `--base` installs another commit too (e.g. the one before a change), alternating base and rev
 * install by install, so a slow spell of a shared machine hits both sides alike; the paired ratio
 * is printed. Targets: first install ≤ 45 s with a warm cache, each later run ≤ 1 s.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
};
const rev = option('rev', 'HEAD');
const base = option('base', '');
const installs = Number(option('installs', '2'));
const runs = Number(option('runs', '5'));

const env: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@oomguard.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@oomguard.invalid',
  PRE_COMMIT_COLOR: 'never', NO_COLOR: '1',
};
for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];

function sh(command: string, argv: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): { status: number | null; out: string; seconds: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd, env: { ...env, ...extra }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, out: `${result.stdout}${result.stderr}`, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function must(result: { status: number | null; out: string }, what: string): void {
  if (result.status !== 0) throw new Error(`${what} failed:\n${result.out}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Side {
  readonly rev: string;
  readonly sha: string;
  readonly repo: string;
  readonly installs: number[];
  home: string;
}

/** A clone of this repository at `commit` and a user repository whose config pins it. */
function prepare(work: string, name: string, commit: string): Side {
  const hook = join(work, `hook-${name}`);
  must(sh('git', ['clone', '-q', ROOT, hook], work), 'git clone');
  must(sh('git', ['checkout', '-q', commit], hook), `git checkout ${commit}`);
  const sha = sh('git', ['rev-parse', 'HEAD'], hook).out.trim();
  const repo = join(work, `repo-${name}`);
  mkdirSync(repo);
  must(sh('git', ['init', '-q'], repo), 'git init');
  writeFileSync(join(repo, '.pre-commit-config.yaml'), `repos:\n  - repo: ${hook}\n    rev: ${sha}\n    hooks:\n      - id: oomguard\n`);
  copyFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'memory-request-not-equal-limit', 'pass.yaml'), join(repo, 'deploy.yaml'));
  must(sh('git', ['add', '-A'], repo), 'git add');
  return { rev: commit, sha, repo, installs: [], home: '' };
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'oomguard-bench-precommit-'));
  try {
    const sides = [...(base ? [prepare(work, 'base', base)] : []), prepare(work, 'rev', rev)];
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    for (let i = 0; i < installs; i++) {
      for (const side of sides) {
        side.home = join(work, `home-${side === sides[sides.length - 1] ? 'rev' : 'base'}-${i}`);
        const install = sh('pre-commit', ['install-hooks'], side.repo, { PRE_COMMIT_HOME: side.home });
        must(install, `pre-commit install-hooks (${side.rev})`);
        side.installs.push(install.seconds);
      }
    }
    const npm = sh('npm', ['--version'], work).out.trim();
    console.log(`pre-commit ${sh('pre-commit', ['--version'], work).out.trim()}, npm ${npm}, node ${process.version}, warm npm cache; load average at start ${load}`);
    for (const side of sides) {
      const runTimes: number[] = [];
      for (let i = 0; i < runs; i++) {
        const run = sh('pre-commit', ['run', 'oomguard', '--files', 'deploy.yaml'], side.repo, { PRE_COMMIT_HOME: side.home });
        must(run, 'pre-commit run');
        runTimes.push(run.seconds);
      }
      console.log(`${side.rev} (${side.sha.slice(0, 10)})`);
      console.log(`  first install (pre-commit install-hooks): ${side.installs.map((s) => `${s.toFixed(1)} s`).join(', ')}; median ${median(side.installs).toFixed(1)} s   target ≤ 45 s`);
      console.log(`  later run (pre-commit run, 1 file):      ${runTimes.map((s) => `${s.toFixed(2)} s`).join(', ')}; median ${median(runTimes).toFixed(2)} s   target ≤ 1 s`);
    }
    if (sides.length === 2) {
      const ratios = sides[1].installs.map((seconds, index) => seconds / sides[0].installs[index]);
      console.log(`first install, ${rev} / ${base}, paired: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}x`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
