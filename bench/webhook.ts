/**
 * `npm run bench:webhook`: the admission webhook under load, on this machine, over loopback only.
 *
 *  1. steady: 20,000 AdmissionReviews of a typical Deployment to POST /validate at concurrency 64
 *     (keep-alive connections, as the API server keeps them): throughput, p50/p99/max latency, errors,
 *     the server's own p50/p99 from its histogram, its CPU per review and RSS through the run;
 *  2. the same with a config reload at 1/3 and a certificate rotation at 2/3 of the run, both checked
 *     to have taken effect (a new connection sees the new certificate);
 *  3. mutation: the same count to POST /mutate/namespace with a Deployment that gets a patch;
 *  4. cost per review against `lint`: the server's CPU time per review (TLS, HTTP, JSON and the
 *     rules) against the CLI's CPU per object on a file of the same object repeated, start-up aside;
 *  5. in this process: review handling and lint alone, and the heap after a full GC per 20,000
 *     reviews (flat memory means nothing is kept per review).
 *
 * The server is the built CLI (`oomguard webhook serve`) in its own process on 127.0.0.1, inside a
 * real memory cgroup with the limit and NODE_OPTIONS `webhook manifests` gives it (when this machine
 * lets us make one): its peak and OOM kills are reported. Every loop
 * is bounded in count (REVIEWS) and in time (DEADLINE_MS per phase); the run stops by itself.
 * Prints a table and writes bench/results/webhook.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { buildDeployment } from '../lib/generate/deployment';
import { parseQuantity } from '../lib/core/quantity';
import { MemoryCgroup, findCgroupParent } from '../lib/lab/cgroup';
import { webhookManifests } from '../lib/webhook/manifests';
import { admissionReview, issueLeaf, makePki, type Pki } from './admission';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'oomguard.js');
const REVIEWS = Number(process.env.BENCH_REVIEWS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const DEADLINE_MS = 120_000;
const HOST = '127.0.0.1';
const MIB = 1024 * 1024;

/** A typical Deployment: a JVM service as `oomguard generate` writes it, with the fields the API server defaults. */
function typicalDeployment(): Record<string, any> {
  const deployment = buildDeployment({ name: 'checkout', image: 'registry.example.com/shop/checkout:2.14.1', runtime: 'jvm', peakBytes: 420 * MIB, port: 8080, namespace: 'shop' }) as Record<string, any>;
  deployment.metadata.labels = { 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/part-of': 'shop', team: 'payments' };
  deployment.metadata.uid = '3b0b8c57-6a34-4a8e-9f0e-2a1f4d7c9e11';
  const spec = deployment.spec.template.spec;
  spec.restartPolicy = 'Always';
  spec.dnsPolicy = 'ClusterFirst';
  spec.terminationGracePeriodSeconds = 30;
  Object.assign(spec.containers[0], { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
  spec.containers[0].env.push({ name: 'SPRING_PROFILES_ACTIVE', value: 'prod' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
  spec.containers[0].volumeMounts = [{ name: 'config', mountPath: '/config', readOnly: true }];
  spec.volumes = [{ name: 'config', configMap: { name: 'checkout' } }];
  return deployment;
}

/** The same Deployment written without a heap flag and with request < limit: the mutating endpoint patches it. */
function deploymentToMutate(): Record<string, any> {
  const deployment = typicalDeployment();
  const container = deployment.spec.template.spec.containers[0];
  container.env = container.env.filter((entry: { name: string }) => entry.name !== 'JAVA_TOOL_OPTIONS');
  container.env.unshift({ name: 'JAVA_TOOL_OPTIONS', value: '-Dfile.encoding=UTF-8' });
  container.resources.requests.memory = '512Mi';
  return deployment;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

function cpuSeconds(pid: number): number {
  // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (USER_HZ, 100 on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Phase {
  readonly name: string;
  readonly reviews: number;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly wrongAnswers: number;
  /** Server side, from its own histogram (request headers in to answer written): bucket bounds. */
  readonly serverP50Ms: number;
  readonly serverP99Ms: number;
  readonly cpuMsPerReview: number;
  /** 1-minute load average before and after: the machine is shared, and a busy one inflates client-side latency. */
  readonly loadAverage: readonly number[];
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssPeakMiB: number;
  readonly events?: Record<string, unknown>;
}

/**
 * One keep-alive HTTPS connection speaking just enough HTTP/1.1 for this bench: a request written
 * as one buffer, a response read by its Content-Length (the server always sends one). Node's own
 * http client costs about three times the server's CPU per review; on two shared cores the load
 * generator would then measure itself more than the server. A connection the server closes is
 * opened again, as the API server's client does.
 */
class Connection {
  private socket: TLSSocket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve: (reply: { status: number; text: string }) => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly ca: Buffer, private readonly port: number) {}

  private open(): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: HOST, port: this.port, ca: this.ca, servername: 'localhost' }, () => resolve(socket));
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => this.data(chunk));
      socket.on('error', (error) => {
        reject(error);
        this.fail(error);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.fail(new Error('connection closed'));
      });
    });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.buffer = Buffer.alloc(0);
    pending?.reject(error);
  }

  private data(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.pending) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    const text = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    const pending = this.pending;
    this.pending = undefined;
    pending.resolve({ status: Number(head.slice(9, 12)), text });
  }

  async post(path: string, body: Buffer): Promise<{ status: number; text: string }> {
    this.socket ??= await this.open();
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error('timeout')), 10_000);
      this.pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      socket.write(Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`, 'latin1'), body]));
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}

async function fingerprint(ca: Buffer, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path: '/healthz', agent: false, ca, servername: 'localhost' }, (response) => {
      const value = (response.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      response.resume();
      response.on('end', () => resolve(value));
    });
    req.on('error', reject);
    req.end();
  });
}

async function metric(ca: Buffer, port: number, pattern: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path: '/metrics', agent: false, ca, servername: 'localhost' }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve(Number(pattern.exec(text)?.[1] ?? 0)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Cumulative bucket counts of the server's review-duration histogram for one endpoint. */
async function serverBuckets(ca: Buffer, port: number, endpoint: string): Promise<Map<number, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = request({ host: HOST, port, path: '/metrics', agent: false, ca, servername: 'localhost' }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  const buckets = new Map<number, number>();
  const pattern = new RegExp(`oomguard_webhook_review_duration_seconds_bucket\\{le="([^"]+)",endpoint="${endpoint}"\\} (\\d+)`, 'g');
  for (const match of text.matchAll(pattern)) buckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  return buckets;
}

/** The smallest bucket bound under which `p` percent of the phase's reviews fell, in ms (server side). */
function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= (p / 100) * total) return bound * 1000;
  }
  return Infinity;
}

/**
 * Send `count` reviews at `concurrency`, each a fresh AdmissionReview (its own uid) of `object`.
 * `check` says whether an answer is the right one. `at` runs actions when given fractions of the
 * run have been sent (a reload, a rotation) and records what they return.
 */
async function load(name: string, count: number, server: { pid: number; port: number }, pki: Pki, path: string, object: Record<string, any>, check: (response: any) => boolean, at: { fraction: number; run: () => Promise<Record<string, unknown>> }[] = []): Promise<Phase> {
  const connections: Connection[] = [];
  const template = admissionReview(object, { namespace: 'shop' }) as { request: { uid: string } };
  const prefix = `bench-${name.replace(/\W+/g, '-')}-`;
  template.request.uid = `${prefix}${'0'.repeat(8)}`;
  const serialised = Buffer.from(JSON.stringify(template));
  const uidAt = serialised.indexOf(template.request.uid);
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let wrong = 0;
  const events: Record<string, unknown> = {};
  const pending = [...at].sort((a, b) => a.fraction - b.fraction);
  const rss: number[] = [rssKiB(server.pid)];
  const sampler = setInterval(() => rss.push(rssKiB(server.pid)), 100);
  const endpoint = path === '/validate' ? 'validate' : path === '/mutate' ? 'mutate' : 'mutate-namespace';
  const bucketsBefore = await serverBuckets(pki.ca, server.port, endpoint);
  const loadBefore = loadavg()[0];
  const cpuBefore = cpuSeconds(server.pid);
  const started = Date.now();
  const deadline = started + DEADLINE_MS;
  let actions = Promise.resolve();
  const worker = async () => {
    const connection = new Connection(pki.ca, server.port);
    connections.push(connection);
    while (sent < count && Date.now() < deadline) {
      const index = sent++;
      while (pending.length > 0 && index >= pending[0].fraction * count) {
        const action = pending.shift()!;
        actions = actions.then(async () => {
          Object.assign(events, await action.run());
        });
      }
      // The body is serialised once; each review writes its own uid into a fixed-width slot.
      const uid = `${prefix}${String(index).padStart(8, '0')}`;
      const body = Buffer.from(serialised);
      body.write(uid, uidAt, 'latin1');
      const begin = process.hrtime.bigint();
      try {
        const reply = await connection.post(path, body);
        latencies.push(Number(process.hrtime.bigint() - begin) / 1e6);
        if (reply.status !== 200) errors++;
        else {
          const parsed = JSON.parse(reply.text);
          if (parsed.response?.uid !== uid || !check(parsed.response)) wrong++;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await actions;
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  rss.push(rssKiB(server.pid));
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const bucketsAfter = await serverBuckets(pki.ca, server.port, endpoint);
  for (const connection of connections) connection.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    name,
    reviews: latencies.length,
    seconds: round(seconds),
    throughput: Math.round(latencies.length / seconds),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1]),
    // Reviews not sent before the deadline count as errors.
    errors: errors + (count - Math.min(sent, count)),
    wrongAnswers: wrong,
    serverP50Ms: bucketPercentile(bucketsBefore, bucketsAfter, 50),
    serverP99Ms: bucketPercentile(bucketsBefore, bucketsAfter, 99),
    cpuMsPerReview: round((cpu * 1000) / Math.max(1, latencies.length), 3),
    loadAverage: [round(loadBefore), round(loadavg()[0])],
    rssStartMiB: round(rss[0] / 1024, 1),
    rssEndMiB: round(rss[rss.length - 1] / 1024, 1),
    rssPeakMiB: round(Math.max(...rss) / 1024, 1),
    ...(Object.keys(events).length > 0 ? { events } : {}),
  };
}

/** The memory limit and NODE_OPTIONS `oomguard webhook manifests` gives the server's container. */
function deployedSizing(): { limitBytes: number; nodeOptions: string; limit: string } {
  const deployment = webhookManifests({ image: 'bench' }).find((object) => object.kind === 'Deployment') as Record<string, any>;
  const container = deployment.spec.template.spec.containers[0];
  const limit = String(container.resources.limits.memory);
  const parsed = parseQuantity(limit);
  if (!parsed.ok) throw new Error(`manifests limit ${limit}`);
  return { limitBytes: parsed.bytes, limit, nodeOptions: container.env.find((entry: { name: string }) => entry.name === 'NODE_OPTIONS').value };
}

type Group = { peakBytes(): number | undefined; oomKills(): number | undefined; destroy(): Promise<void> } | undefined;

/**
 * The server as the Deployment runs it: the manifests' NODE_OPTIONS, inside a real memory cgroup with
 * the manifests' limit when this machine lets us make one (root, cgroup v1 or v2), so the run shows
 * whether that limit holds under load. Without one it runs unconfined and says so.
 */
async function startServer(pki: Pki, config: string): Promise<{ child: ChildProcess; pid: number; port: number; group: Group; cgroup: string }> {
  const sizing = deployedSizing();
  const command = [process.execPath, CLI, 'webhook', 'serve', '--tls-cert', pki.cert, '--tls-key', pki.key, '--config', config, '--address', HOST, '--port', '0', '--poll-interval', '200'];
  let group: (Group & { wrap(command: readonly string[]): { file: string; args: readonly string[] } }) | undefined;
  let cgroup = '';
  const parent = findCgroupParent();
  if (parent.ok) {
    try {
      group = MemoryCgroup.create(parent.parent, sizing.limitBytes);
      cgroup = `limit ${sizing.limit} (cgroup v${parent.parent.version}), NODE_OPTIONS=${sizing.nodeOptions}`;
    } catch (error) {
      cgroup = `unconfined: ${(error as Error).message}`;
    }
  } else cgroup = `unconfined: ${parent.problem}`;
  const wrapped = group ? group.wrap(command) : { file: command[0], args: command.slice(1) };
  const child = spawn(wrapped.file, [...wrapped.args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: sizing.nodeOptions } });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).port);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  // Keep draining its log so a full pipe never stalls it; keep the reload lines for the report.
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', () => undefined);
  return { child, pid: child.pid!, port, group, cgroup };
}

/**
 * Per-object CPU time of `oomguard lint` on `object`: (CPU of N copies - CPU of 1 copy) / (N - 1),
 * median of 3 pairs. CPU, not wall time, as for the server (the machine is shared); read by a preload
 * that writes the process's own process.cpuUsage() (all its threads, as /proc counts the server's).
 */
function lintPerObject(object: Record<string, any>, copies: number): { perObjectMs: number; oneMs: number; manyMs: number; copies: number } {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-bench-lint-'));
  const text = dump(object, { lineWidth: -1 });
  writeFileSync(join(dir, 'one.yaml'), text);
  writeFileSync(join(dir, 'many.yaml'), Array.from({ length: copies }, () => text).join('---\n'));
  const preload = join(dir, 'cpu.js');
  writeFileSync(preload, "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeFileSync(process.env.OOMGUARD_BENCH_CPU, String((u.user + u.system) / 1000)); });\n");
  const cpuOut = join(dir, 'cpu.txt');
  const cpu = (file: string) => {
    const result = spawnSync(process.execPath, ['-r', preload, CLI, 'lint', '--format', 'json', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, OOMGUARD_BENCH_CPU: cpuOut } });
    if (result.status !== 0) throw new Error(`lint ${file} exited ${result.status}: ${result.stderr}`);
    return Number(readFileSync(cpuOut, 'utf8'));
  };
  const pairs: { one: number; many: number }[] = [];
  for (let run = 0; run < 3; run++) pairs.push({ one: cpu(join(dir, 'one.yaml')), many: cpu(join(dir, 'many.yaml')) });
  rmSync(dir, { recursive: true, force: true });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
  const per = median(pairs.map((pair) => (pair.many - pair.one) / (copies - 1)));
  return { perObjectMs: Math.round(per * 1000) / 1000, oneMs: Math.round(median(pairs.map((pair) => pair.one))), manyMs: Math.round(median(pairs.map((pair) => pair.many))), copies };
}

/**
 * In this process: the review handling alone (JSON.parse of the review, validate, and mutate) against
 * the linter alone on the same object, and the heap after a full GC at the end of each round of
 * 20,000 (flat means nothing is kept per review). Needs --expose-gc (npm run bench:webhook passes it).
 */
function inProcess(object: Record<string, any>): { reviewMs: number; mutateMs: number; lintMs: number; heapAfterGcKiB: number[] } {
  const { loadSettings } = require('../lib/webhook/config') as typeof import('../lib/webhook/config');
  const { validate, mutate } = require('../lib/webhook/review') as typeof import('../lib/webhook/review');
  const { extractWorkloads } = require('../lib/core/workload') as typeof import('../lib/core/workload');
  const settings = loadSettings({});
  const text = JSON.stringify(admissionReview(object));
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap: number[] = [];
  const time = (run: () => void, rounds: number, record = false) => {
    const per: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const begin = process.hrtime.bigint();
      for (let index = 0; index < 20_000; index++) run();
      per.push(Number(process.hrtime.bigint() - begin) / 1e6 / 20_000);
      if (record && gc) {
        gc();
        heap.push(Math.round(process.memoryUsage().heapUsed / 1024));
      }
    }
    return Math.round(per.sort((a, b) => a - b)[per.length >> 1] * 1000) / 1000;
  };
  const reviewMs = time(() => validate(JSON.parse(text).request, settings), 5, true);
  const mutateMs = time(() => mutate(JSON.parse(text).request, settings, 'namespace'), 3);
  // The same object parsed afresh each time, as the review path parses its body: the linter's
  // per-container caches would otherwise make a repeated object look free.
  const objectText = JSON.stringify(object);
  const lintMs = time(() => {
    for (const workload of extractWorkloads(JSON.parse(objectText))) settings.linter.lintWorkload(workload);
  }, 5);
  return { reviewMs, mutateMs, lintMs, heapAfterGcKiB: heap };
}

async function main(): Promise<void> {
  const pki = makePki();
  const config = join(pki.dir, 'config.yaml');
  writeFileSync(config, 'rules: {}\nwebhook:\n  enforce: true\n');
  const server = await startServer(pki, config);
  const phases: Phase[] = [];
  try {
    const typical = typicalDeployment();
    const allowedClean = (response: any) => response.allowed === true && response.warnings === undefined;
    await load('warm-up', 2000, server, pki, '/validate', typical, allowedClean); // JIT and connections
    phases.push(await load('validate', REVIEWS, server, pki, '/validate', typical, allowedClean));

    const before = await fingerprint(pki.ca, server.port);
    phases.push(await load('validate + reload + rotation', REVIEWS, server, pki, '/validate', typical, (response) => response.allowed === true, [
      {
        fraction: 1 / 3,
        run: async () => {
          writeFileSync(config, 'rules:\n  startup-probe-missing: warning\nwebhook:\n  enforce: false\n');
          const end = Date.now() + 10_000;
          while (Date.now() < end && (await metric(pki.ca, server.port, /oomguard_webhook_reloads_total\{file="config",result="ok"\} (\d+)/)) < 1) await new Promise((resolve) => setTimeout(resolve, 50));
          return { configReloaded: (await metric(pki.ca, server.port, /oomguard_webhook_reloads_total\{file="config",result="ok"\} (\d+)/)) >= 1 };
        },
      },
      {
        fraction: 2 / 3,
        run: async () => {
          issueLeaf(pki.dir, 'tls');
          const end = Date.now() + 10_000;
          let now = before;
          while (Date.now() < end && now === before) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            now = await fingerprint(pki.ca, server.port);
          }
          return { certificateRotated: now !== before };
        },
      },
    ]));

    const toMutate = deploymentToMutate();
    phases.push(await load('mutate', REVIEWS, server, pki, '/mutate/namespace', toMutate, (response) => response.allowed === true && response.patchType === 'JSONPatch'));
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
  const memory = {
    setting: server.cgroup,
    cgroupPeakMiB: server.group?.peakBytes() === undefined ? null : Math.round((server.group.peakBytes()! / MIB) * 10) / 10,
    oomKills: server.group?.oomKills() ?? null,
  };
  await server.group?.destroy();

  const lint = lintPerObject(typicalDeployment(), 20_000);
  const local = inProcess(typicalDeployment());
  const validate = phases.find((phase) => phase.name === 'validate')!;
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    reviews: REVIEWS,
    concurrency: CONCURRENCY,
    phases,
    memory,
    costPerReview: {
      webhookCpuMs: validate.cpuMsPerReview,
      lintPerObjectMs: lint.perObjectMs,
      ratio: Math.round((validate.cpuMsPerReview / lint.perObjectMs) * 100) / 100,
      lint,
      note: 'webhook: server CPU time per review (TLS, HTTP, JSON parse and answer, rules); lint: CLI CPU time per object, a 20,000-copy file minus a 1-copy file',
      inProcess: local,
    },
    targets: { p99Ms: 10, errors: 0 },
  };
  const table = phases.map((phase) => `${phase.name.padEnd(30)} ${String(phase.reviews).padStart(6)} ${String(phase.throughput).padStart(6)}/s  p50 ${String(phase.p50Ms).padStart(6)} ms  p99 ${String(phase.p99Ms).padStart(6)} ms  max ${String(phase.maxMs).padStart(7)} ms  errors ${phase.errors}/${phase.wrongAnswers}  server p99 ≤${phase.serverP99Ms} ms  cpu ${phase.cpuMsPerReview} ms/review  rss ${phase.rssStartMiB}→${phase.rssEndMiB} MiB (peak ${phase.rssPeakMiB})  load ${phase.loadAverage.join('→')}${phase.events ? `  ${JSON.stringify(phase.events)}` : ''}`);
  process.stdout.write(`${table.join('\n')}\ncost per review: webhook ${results.costPerReview.webhookCpuMs} ms CPU vs lint ${lint.perObjectMs} ms per object (${results.costPerReview.ratio}x)\nserver memory: ${memory.setting}; cgroup peak ${memory.cgroupPeakMiB} MiB, OOM kills ${memory.oomKills}\nin process: review ${local.reviewMs} ms (JSON.parse + validate), mutate ${local.mutateMs} ms, JSON.parse + lintWorkload of the object ${local.lintMs} ms; heap after GC per 20,000 reviews ${local.heapAfterGcKiB.join(', ')} KiB\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'webhook.json'), `${JSON.stringify(results, null, 2)}\n`);
  const failed = phases.some((phase) => phase.errors > 0 || phase.wrongAnswers > 0) || (memory.oomKills ?? 0) > 0;
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 2;
});
