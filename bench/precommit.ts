/**
 * How long a team waits for the pre-commit hook, measured with the real pre-commit: the first
 * install (pre-commit clones the hook repository, runs `npm install` there, which builds through
 * `prepare`, then `npm pack` and `npm install -g` of the tarball) and each later run on one staged
 * manifest. npm's cache is this machine's (warm), PRE_COMMIT_HOME is fresh per install.
 *
 *   npm run bench:precommit [-- --rev <commit>] [--installs N] [--runs N]
 *
 * `--rev` installs another commit of this repository (e.g. the one before a change) for comparison.
 * Targets: first install ≤ 45 s with a warm cache, each later run ≤ 1 s.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
};
const rev = option('rev', 'HEAD');
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

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'oomguard-bench-precommit-'));
  try {
    const hook = join(work, 'hook');
    must(sh('git', ['clone', '-q', ROOT, hook], work), 'git clone');
    must(sh('git', ['checkout', '-q', rev], hook), `git checkout ${rev}`);
    const sha = sh('git', ['rev-parse', 'HEAD'], hook).out.trim();
    const repo = join(work, 'repo');
    mkdirSync(repo);
    must(sh('git', ['init', '-q'], repo), 'git init');
    writeFileSync(join(repo, '.pre-commit-config.yaml'), `repos:\n  - repo: ${hook}\n    rev: ${sha}\n    hooks:\n      - id: oomguard\n`);
    copyFileSync(join(ROOT, 'test', 'fixtures', 'rules', 'memory-request-not-equal-limit', 'pass.yaml'), join(repo, 'deploy.yaml'));
    must(sh('git', ['add', '-A'], repo), 'git add');

    const installTimes: number[] = [];
    let home = '';
    for (let i = 0; i < installs; i++) {
      home = join(work, `home-${i}`);
      const install = sh('pre-commit', ['install-hooks'], repo, { PRE_COMMIT_HOME: home });
      must(install, 'pre-commit install-hooks');
      installTimes.push(install.seconds);
    }
    const runTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const run = sh('pre-commit', ['run', 'oomguard', '--files', 'deploy.yaml'], repo, { PRE_COMMIT_HOME: home });
      must(run, 'pre-commit run');
      runTimes.push(run.seconds);
    }
    const npm = sh('npm', ['--version'], work).out.trim();
    console.log(`pre-commit hook of ${rev} (${sha.slice(0, 10)}), npm ${npm}, node ${process.version}, warm npm cache`);
    console.log(`  first install (pre-commit install-hooks): ${installTimes.map((s) => `${s.toFixed(1)} s`).join(', ')}; median ${median(installTimes).toFixed(1)} s   target ≤ 45 s`);
    console.log(`  later run (pre-commit run, 1 file):      ${runTimes.map((s) => `${s.toFixed(2)} s`).join(', ')}; median ${median(runTimes).toFixed(2)} s   target ≤ 1 s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
