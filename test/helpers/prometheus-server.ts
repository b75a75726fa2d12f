/**
 * A real Prometheus server for tests: backfill OpenMetrics with `promtool tsdb create-blocks-from
 * openmetrics`, start `prometheus` on 127.0.0.1 with a free port and a temporary data directory, stop
 * it in teardown. And the authenticating proxy stand-in that test/prometheus.test.ts uses.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './net';
import { join } from 'node:path';

export { freePort };

/** Backfill `openMetricsFile` into `dir/tsdb`. */
export function backfill(dir: string, openMetricsFile: string): void {
  // Blocks up to 4 days: promtool reads the input once per block range, so few ranges are fast.
  const result = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=96h', openMetricsFile, join(dir, 'tsdb')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`promtool backfill failed: ${result.stderr}`);
}

export interface RunningPrometheus {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Serve under this path (`/prometheus`), as Mimir does and Thanos Query with --web.route-prefix:
   * `--web.route-prefix` and `--web.external-url`; the returned url includes it.
   */
  readonly routePrefix?: string;
  /** More of prometheus.yml after `global:` (e.g. a `remote_read:` section). */
  readonly config?: string;
}

export async function startPrometheus(dir: string, flags: readonly string[] = [], options: StartOptions = {}): Promise<RunningPrometheus> {
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1m\n${options.config ?? ''}`);
  const port = await freePort();
  const prefix = options.routePrefix ?? '';
  const url = `http://127.0.0.1:${port}${prefix}`;
  if (prefix) flags = [...flags, `--web.route-prefix=${prefix}`, `--web.external-url=${url}`];
  let log = '';
  const child = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=3650d', // the data sits at a fixed date in the past
    ...flags,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk) => { log = (log + chunk).slice(-4000); });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // in case a test left it stopped
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, process: child, stop };
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`prometheus not ready within 30s: ${log}`);
}

/** Pass a request on to `upstream` as it came (path, method, headers, body) and its answer back. */
function forward(upstream: URL, request: IncomingMessage, response: ServerResponse): void {
  const onward = httpRequest({ host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  onward.on('error', () => response.writeHead(502).end());
  request.pipe(onward);
}

/** Listen on a free loopback port; `close` ends open keep-alive connections too. */
function listenOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }) });
    });
  });
}

/**
 * An authenticating proxy in front of the real Prometheus, as kube-rbac-proxy or an OAuth proxy puts
 * one in a cluster. The proxy is a stand-in (neither runs here); the Prometheus behind it is real.
 */
export function authProxy(target: string, token: string, tenant?: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createHttpServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
      return;
    }
    // Mimir's gateway: a tenant header is required as well.
    if (tenant !== undefined && request.headers['x-scope-orgid'] !== tenant) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('no org id\n');
      return;
    }
    forward(upstream, request, response);
  });
  return listenOnLoopback(server);
}

/** A copy of `from`/tsdb's blocks in `to`/tsdb, for a second server over the same data (one TSDB, one server). */
export function copyBlocks(from: string, to: string): void {
  mkdirSync(join(to, 'tsdb'), { recursive: true });
  for (const entry of readdirSync(join(from, 'tsdb'))) {
    // Blocks are folders named by ULID; the lock, the WAL and the head belong to the running server.
    if (/^[0-9A-Z]{26}$/.test(entry)) cpSync(join(from, 'tsdb', entry), join(to, 'tsdb', entry), { recursive: true });
  }
}

/**
 * A gateway in front of the real Prometheus that forwards a request only when it carries every one of
 * `required` headers with its value (Mimir's `X-Scope-OrgID`, a second header a gateway may want),
 * and answers 401 naming the first one missing, as Mimir's gateway does for a missing tenant. The path is
 * forwarded as it came: the gateway's URL plus the server's prefix (`/prometheus`) reaches the server.
 */
export function headerGateway(target: string, required: Readonly<Record<string, string>>): Promise<{ url: string; seen: string[][]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const seen: string[][] = [];
  const server = createHttpServer((request, response) => {
    seen.push(Object.keys(required).map((name) => String(request.headers[name.toLowerCase()] ?? '')));
    for (const [name, value] of Object.entries(required)) {
      if (request.headers[name.toLowerCase()] !== value) {
        response.writeHead(401, { 'content-type': 'text/plain' }).end(`missing ${name}\n`);
        return;
      }
    }
    forward(upstream, request, response);
  });
  return listenOnLoopback(server).then((listening) => ({ ...listening, seen }));
}
