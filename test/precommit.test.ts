/**
 * The pre-commit hook, installed the way a user's repository installs it: the real `pre-commit
 * try-repo` against a clone of this repository at HEAD (pre-commit runs `npm install`, which builds
 * through `prepare`, then `npm pack` and a global install of the tarball), on a scratch git
 * repository with one staged manifest. A bad manifest fails with the rule id and line in the output;
 * a clean one passes. The two installs run side by side: each takes a minute or two of npm.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { haveCapability, haveTool } from './helpers/tools';

const ROOT = join(__dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'rules');
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'oomguard test', GIT_AUTHOR_EMAIL: 'test@oomguard.invalid', GIT_COMMITTER_NAME: 'oomguard test', GIT_COMMITTER_EMAIL: 'test@oomguard.invalid' };

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

function run(command: string, args: string[], cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...GIT_ENV, PRE_COMMIT_COLOR: 'never', NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** A scratch repository with `manifest` staged as deploy.yaml. */
function scratchRepo(base: string, name: string, manifest: string): string {
  const dir = join(base, name);
  spawnSync('mkdir', ['-p', dir]);
  git(dir, 'init', '-q');
  copyFileSync(manifest, join(dir, 'deploy.yaml'));
  // A non-Kubernetes YAML file staged alongside: it must not fail the hook.
  writeFileSync(join(dir, 'settings.yaml'), '# app settings\nfeature: true\n');
  git(dir, 'add', 'deploy.yaml', 'settings.yaml');
  return dir;
}

test('pre-commit try-repo: a staged bad manifest fails with the rule id, a clean one passes', async () => {
  if (!haveTool('pre-commit', 'the hook test runs the real pre-commit (apt-get install pre-commit)')) return;
  if (!haveTool('git', 'pre-commit needs git')) return;
  const base = mkdtempSync(join(tmpdir(), 'oomguard-precommit-'));
  try {
    // The hook repository: this repository at HEAD (what `rev:` would pin).
    const hookRepo = join(base, 'oomguard');
    git(base, 'clone', '-q', ROOT, hookRepo);
    const pkg = JSON.parse(readFileSync(join(hookRepo, 'package.json'), 'utf8'));
    if (!pkg.scripts?.prepare) {
      // pre-commit installs from source: without `prepare` the packed tarball has no dist/.
      if (!haveCapability(false, 'package.json has no "prepare" build script (pre-commit installs the hook from source); testing a clone with "prepare": "tsc -p tsconfig.json" added')) {
        pkg.scripts = { ...pkg.scripts, prepare: 'tsc -p tsconfig.json' };
        writeFileSync(join(hookRepo, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
        git(hookRepo, 'commit', '-q', '-am', 'test: add prepare');
      }
    }
    const bad = scratchRepo(base, 'bad', join(FIXTURES, 'memory-request-not-equal-limit', 'fail.yaml'));
    // A Compose file staged beside it goes through the same hook (types_or includes yaml).
    copyFileSync(join(FIXTURES, 'memory-request-not-equal-limit', 'fail-compose.yaml'), join(bad, 'compose.yaml'));
    git(bad, 'add', 'compose.yaml');
    const clean = scratchRepo(base, 'clean', join(FIXTURES, 'memory-request-not-equal-limit', 'pass.yaml'));
    const [failing, passing] = await Promise.all([
      run('pre-commit', ['try-repo', hookRepo, 'oomguard'], bad),
      run('pre-commit', ['try-repo', hookRepo, 'oomguard'], clean),
    ]);
    assert.is(failing.status, 1, failing.output);
    assert.match(failing.output, /oomguard \(Kubernetes memory limits, heap flags, probes\)\.+Failed/);
    assert.match(failing.output, /deploy\.yaml\n\s+17\s+error\s+container "web" requests 256Mi of memory but is limited to 512Mi/);
    assert.match(failing.output, /memory-request-not-equal-limit/);
    assert.match(failing.output, /compose\.yaml\n(?:.*\n)*?\s+6\s+error\s+container "orders" requests 512m of memory but is limited to 1g/, failing.output);
    assert.is(passing.status, 0, passing.output);
    assert.match(passing.output, /oomguard \(Kubernetes memory limits, heap flags, probes\)\.+Passed/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test.run();
