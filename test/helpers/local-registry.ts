/**
 * A real npm registry on loopback for the packaged tests: verdaccio 6.8.0 (the last release that runs
 * on Node 20; it needs `node-fetch` pinned to 2.7.0 through `overrides`), installed once per machine
 * into the temporary folder (~25 s cold, ~8 s from a warm npm cache, 327 packages) rather than as a
 * devDependency, which every developer and every pre-commit hook install would pay for. Everything
 * but `oomguard` is proxied from the registry npm is configured with; `oomguard` is only what the
 * test publishes, so an install by name can only get the tarball under test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VERDACCIO_VERSION = '6.8.0';

export interface LocalRegistry {
  readonly url: string;
  /** An npm user config holding the publish token for this registry. */
  readonly userconfig: string;
  stop(): void;
}


/** verdaccio installed under the temporary folder, reused by later runs once complete. */
export function installVerdaccio(env: NodeJS.ProcessEnv): string {
  const dir = join(tmpdir(), `oomguard-test-verdaccio-${VERDACCIO_VERSION}`);
  const bin = join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  const complete = join(dir, '.complete');
  if (existsSync(complete) && existsSync(bin)) return bin;
  // Installed beside, then renamed: a run killed half-way never leaves a folder that looks complete.
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({
    name: 'oomguard-test-registry', version: '1.0.0', private: true,
    dependencies: { verdaccio: VERDACCIO_VERSION },
    overrides: { 'node-fetch': '2.7.0' },
  }));
  const started = Date.now();
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: staging, env, encoding: 'utf8' });
  if (npm.status !== 0) throw new Error(`installing verdaccio ${VERDACCIO_VERSION} failed:\n${npm.stdout}${npm.stderr}`);
  process.stderr.write(`  (verdaccio ${VERDACCIO_VERSION} installed in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  writeFileSync(join(staging, '.complete'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return bin;
}

export async function startRegistry(work: string, env: NodeJS.ProcessEnv, uplink: string): Promise<LocalRegistry> {
  const bin = installVerdaccio(env);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  mkdirSync(work, { recursive: true });
  const config = join(work, 'config.yaml');
  writeFileSync(config, [
    `storage: ${join(work, 'storage')}`,
    'auth:',
    '  htpasswd:',
    `    file: ${join(work, 'htpasswd')}`,
    '    max_users: 10',
    'uplinks:',
    '  upstream:',
    `    url: ${uplink}`,
    'packages:',
    "  'oomguard':",
    '    access: $all',
    '    publish: $authenticated',
    "  '**':",
    '    access: $all',
    '    proxy: upstream',
    'log: { type: stdout, format: pretty, level: error }',
    '',
  ].join('\n'));
  const child: ChildProcess = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // A user for publishing (verdaccio's htpasswd plugin creates one on the CouchDB-style PUT npm adduser sends).
  const response = await fetch(`${url}-/user/org.couchdb.user:oomguard-test`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'oomguard-test', password: 'oomguard-test-password' }),
  });
  const { token } = (await response.json()) as { token?: string };
  if (!token) throw new Error(`verdaccio gave no token (${response.status})`);
  const userconfig = join(work, 'npmrc');
  writeFileSync(userconfig, `//127.0.0.1:${port}/:_authToken=${token}\n`);
  return { url, userconfig, stop };
}
