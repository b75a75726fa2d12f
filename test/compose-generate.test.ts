/**
 * `oomguard generate --format compose`: a sized service that the Compose specification's JSON
 * schema accepts, that Debian's `docker-compose config` reads, and that `oomguard lint` passes with
 * no finding, for every runtime and both memory forms.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { healthcheckTest } from '../lib/compose/generate';
import { RUNTIME_IDS } from '../lib/runtimes';
import { parseQuantity } from '../lib/core/quantity';
import { formatDockerBytes } from '../lib/compose/units';
import { composeSchemaErrors } from './helpers/compose-schema';
import { haveTool } from './helpers/tools';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'oomguard.js');
const hasDockerCompose = haveTool('docker-compose', 'Debian\'s docker-compose checks generated services (apt-get install docker-compose)');

function run(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.is(result.error, undefined);
  return result;
}

function generate(extra: string[]) {
  const result = run(['generate', '--format', 'compose', '--name', 'api', '--image', 'registry.example/api:1.2', '--peak-rss', '400Mi', ...extra]);
  assert.is(result.status, 0, result.stderr);
  return result.stdout;
}

type Service = Record<string, any>;

/** The Deployment `oomguard generate` prints for the same input: Compose must carry its limit and env. */
function deploymentContainer(extra: string[]): Service {
  const result = run(['generate', '--name', 'api', '--image', 'registry.example/api:1.2', '--peak-rss', '400Mi', ...extra]);
  assert.is(result.status, 0, result.stderr);
  return (load(result.stdout) as Service).spec.template.spec.containers[0];
}

function dockerUnits(quantity: string): string {
  const parsed = parseQuantity(quantity);
  assert.ok(parsed.ok);
  return formatDockerBytes(parsed.bytes);
}

test('node: limit = reservation = memswap_limit in Docker units, the heap flag, a healthcheck, labels', () => {
  const service = (load(generate(['--runtime', 'node', '--port', '3000'])) as { services: Record<string, Service> }).services.api;
  // The one formula, as the Deployment has it (lib/sizing's own tests pin the numbers), in Docker units.
  const container = deploymentContainer(['--runtime', 'node', '--port', '3000']);
  const limit = dockerUnits(container.resources.limits.memory);
  assert.equal([service.mem_limit, service.mem_reservation, service.memswap_limit], [limit, limit, limit]);
  assert.equal(service.environment, Object.fromEntries(container.env.map((variable: Service) => [variable.name, variable.value])));
  assert.match(service.environment.NODE_OPTIONS, /^--max-old-space-size=\d+$/);
  assert.equal(service.healthcheck.test.slice(0, 3), ['CMD', 'node', '-e']);
  assert.match(service.healthcheck.test[3], /http:\/\/localhost:3000\/livez/);
  assert.equal([service.healthcheck.interval, service.healthcheck.timeout, service.healthcheck.retries, service.healthcheck.start_period], ['10s', '3s', 3, '10s']);
  assert.equal(service.labels, { 'oomguard.io/runtime': 'node', 'oomguard.io/peak-rss': '400m' });
});

test('jvm: the deploy form on request, a 300 s start period, MaxRAMPercentage', () => {
  const service = (load(generate(['--runtime', 'jvm', '--compose-form', 'deploy'])) as { services: Record<string, Service> }).services.api;
  const limit = dockerUnits(deploymentContainer(['--runtime', 'jvm']).resources.limits.memory);
  assert.equal(service.deploy, { resources: { limits: { memory: limit }, reservations: { memory: limit } } });
  assert.is(service.mem_limit, undefined);
  assert.is(service.memswap_limit, limit);
  assert.match(service.environment.JAVA_TOOL_OPTIONS, /-XX:MaxRAMPercentage=/);
  assert.is(service.healthcheck.start_period, '300s');
});

test('a literal $ in --health-cmd is escaped as $$, so Compose does not interpolate it', () => {
  const service = (load(generate(['--runtime', 'go', '--health-cmd', 'test -n "$HOSTNAME"'])) as { services: Record<string, Service> }).services.api;
  assert.equal(service.healthcheck.test, ['CMD-SHELL', 'test -n "$$HOSTNAME"']);
});

test('the generated healthcheck commands really probe: exit 0 on 200, non-zero on 500 or nothing listening', async () => {
  let status = 200;
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/livez' ? status : 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // Run as Docker does: CMD is an argv, CMD-SHELL goes to `sh -c`. Async, so the server can answer.
  const probe = (runtime: 'node' | 'python' | 'go') => new Promise<number | null>((resolve) => {
    const [kind, ...argv] = healthcheckTest(runtime, port, '/livez');
    const child = kind === 'CMD-SHELL' ? spawn('sh', ['-c', argv[0]]) : spawn(argv[0], argv.slice(1));
    child.on('close', (code) => resolve(code));
  });
  try {
    const runtimes = (['node', 'python', 'go'] as const).filter((runtime) => runtime !== 'python' || haveTool('python3', 'the Python healthcheck runs python3'));
    for (const runtime of runtimes) assert.is(await probe(runtime), 0, `${runtime}: healthy`);
    status = 500;
    for (const runtime of runtimes) assert.is.not(await probe(runtime), 0, `${runtime}: unhealthy on 500`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  for (const runtime of ['node', 'go'] as const) assert.is.not(await probe(runtime), 0, `${runtime}: nothing listening`);
});

test('bad usage: a name Compose refuses, --alerts, an unknown form', () => {
  const name = run(['generate', '--format', 'compose', '--name', 'a b', '--image', 'x', '--runtime', 'go', '--peak-rss', '1Gi']);
  assert.is(name.status, 2);
  assert.match(name.stderr, /not a valid Compose service name/);
  assert.is(run(['generate', '--format', 'compose', '--name', 'a', '--image', 'x', '--runtime', 'go', '--peak-rss', '1Gi', '--alerts']).status, 2);
  assert.is(run(['generate', '--format', 'compose', '--name', 'a', '--image', 'x', '--runtime', 'go', '--peak-rss', '1Gi', '--compose-form', 'swarm']).status, 2);
});

for (const runtime of RUNTIME_IDS) {
  for (const form of ['mem_limit', 'deploy']) {
    test(`${runtime}, ${form}: valid against the Compose schema, read by docker-compose config, lint-clean`, () => {
      const text = generate(['--runtime', runtime, '--compose-form', form]);
      assert.equal(composeSchemaErrors(load(text)), []);
      const dir = mkdtempSync(join(tmpdir(), 'oomguard-generate-'));
      try {
        writeFileSync(join(dir, 'service.yml'), text);
        const lint = run(['lint', '-f', 'json', '--compose', 'service.yml'], dir);
        const output = JSON.parse(lint.stdout);
        assert.equal(output.findings, []);
        assert.is(lint.status, 0);
        assert.is(output.summary.workloads, 1);
        if (hasDockerCompose) {
          const config = spawnSync('docker-compose', ['-f', join(dir, 'service.yml'), 'config'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: dir } });
          assert.is(config.status, 0, config.stderr);
          const read = load(config.stdout) as { services: Record<string, Service> };
          // docker-compose 1.29 normalizes sizes to bytes: the limit it will pass to Docker.
          const limit = form === 'mem_limit' ? read.services.api.mem_limit : read.services.api.deploy.resources.limits.memory;
          assert.ok(limit !== undefined, 'docker-compose keeps the limit');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test.run();
