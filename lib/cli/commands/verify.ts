/**
 * `oomguard verify --limit Q --runtime R [--no-flags] -- CMD ...`: run a command in a fresh memory cgroup
 * with that limit and the runtime flags oomguard generates for it, and say how it ended.
 */
import { parseQuantity } from '../../core/quantity';
import { isRuntimeId, RUNTIME_IDS, type RuntimeId } from '../../runtimes';
import { renderMemoryChart } from '../../lab/chart';
import { writeChartFile } from '../../lab/chart-file';
import { CgroupUnavailableError, verify, type VerifyResult } from '../../lab/verify';
import { splitCommand, verifyChart, verifyJson, verifyText } from '../../lab/report';
import { parseCommandArgs, UsageError } from '../usage';
import { labOptions } from './measure';
import { resolveSizing } from '../../config/sizing';
import { verifyImage } from './image';

const HELP = `Usage: oomguard verify --limit Q --runtime R [options] -- CMD [ARG ...]
       oomguard verify --image IMAGE --limit Q --runtime R [options] [-- CMD [ARG ...]]

Runs CMD in a fresh memory cgroup limited to Q (no swap), with the flags oomguard generates for
runtime R at that limit injected through the environment (JAVA_TOOL_OPTIONS, NODE_OPTIONS,
GOMEMLIMIT, MALLOC_ARENA_MAX), and reports the outcome:
  ok           exited 0
  runtime-oom  the runtime hit its own ceiling (Java OutOfMemoryError, V8 heap limit, Go/Python out of memory)
  oom-killed   the kernel killed it, or a child of it, at the limit (the cgroup's OOM-kill counter):
               also a child killed while the command lived on and exited 0
  failed       any other exit
As in a container, CMD runs as PID 1 of its own PID namespace (unshare --pid), so a Node.js heap
OOM ends with 139 and an unhandled SIGTERM is ignored. Ctrl-C or SIGTERM is forwarded to it; after
the grace period every process of the run is killed. The cgroup is always removed afterwards.
Needs the right to create a memory cgroup (root, or a delegated cgroup v2 subtree).

With --image, the image runs under docker run --memory Q --memory-swap Q, the flags as -e NAME=VALUE,
its entrypoint as PID 1 (CMD, if given, is the container's command); the outcome comes from docker
inspect (State.OOMKilled, State.ExitCode), its log and the container cgroup's OOM-kill counter and
peak, sampled while it runs. Ctrl-C or SIGTERM stops the container (docker stop); it is always removed.

Options:
  --limit Q          the memory limit, a Kubernetes quantity (256Mi, 1Gi)
  --runtime R        ${RUNTIME_IDS.join('|')} (optional with --no-flags)
  --no-flags         inject nothing: see what the runtime does on its own
  --legacy-jvm       a JVM without container support: -Xmx instead of MaxRAMPercentage
                     (automatic when the command line has -XX:-UseContainerSupport)
  --overhead Q       runtime overhead the flags leave below the limit (default: .oomguard.yaml, else the runtime's)
  -c, --config FILE  configuration file for sizing (default: .oomguard.yaml found upward)
  --format F         text (default) or json
  --chart FILE.svg   draw memory over time with the limit and its 75%/90% lines
  --interval MS      sampling period in milliseconds (default 50)
  --grace-period S   seconds a forwarded Ctrl-C/SIGTERM is given before SIGKILL (default 10, as docker stop)
  --no-pid-namespace run CMD as an ordinary child instead of PID 1 of its own PID namespace
  --image IMAGE      run this image under docker instead of CMD in a cgroup of our own
  --docker-arg ARG   one more docker run argument, repeatable (--docker-arg=--init, --docker-arg=-v=/d:/d)
  --docker BIN       the container client (default: OOMGUARD_DOCKER, else docker; DOCKER_HOST is honoured)

Exit codes: 0 ok, 1 runtime-oom, oom-killed or failed, 2 bad usage, no memory cgroup available,
or the command could not be started (with --image: docker missing, the daemon unreachable, the image
not runnable).
`;

export async function run(argv: string[]): Promise<number> {
  const { options: optionArgs, command } = splitCommand(argv);
  const { values, positionals } = parseCommandArgs({
    args: optionArgs,
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      runtime: { type: 'string' },
      'no-flags': { type: 'boolean', default: false },
      'legacy-jvm': { type: 'boolean', default: false },
      overhead: { type: 'string' },
      config: { type: 'string', short: 'c' },
      format: { type: 'string', default: 'text' },
      chart: { type: 'string' },
      interval: { type: 'string', default: '50' },
      'grace-period': { type: 'string', default: '10' },
      'no-pid-namespace': { type: 'boolean', default: false },
      image: { type: 'string' },
      'docker-arg': { type: 'string', multiple: true },
      docker: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const commandLine = command.length > 0 ? command : positionals;
  if (commandLine.length === 0 && values.image === undefined) throw new UsageError(`no command to verify: put it after --, e.g. oomguard verify --limit 256Mi --runtime node -- node server.js\n\n${HELP}`);
  if (values.limit === undefined) throw new UsageError('--limit is required, e.g. --limit 512Mi');
  const limit = parseQuantity(values.limit);
  if (!limit.ok) throw new UsageError(`--limit "${values.limit}" ${limit.reason}`);
  if (limit.bytes < 4096) throw new UsageError(`--limit ${values.limit} is below one page (4Ki): nothing can run in it`);
  if (values.runtime !== undefined && !isRuntimeId(values.runtime)) throw new UsageError(`--runtime must be one of ${RUNTIME_IDS.join(', ')}, got "${values.runtime}"`);
  const runtime = values.runtime as RuntimeId | undefined;
  if (!runtime && !values['no-flags']) throw new UsageError(`--runtime is required to generate the flags (${RUNTIME_IDS.join(', ')}); use --no-flags to run without any`);
  const { json, intervalMs, graceMs } = labOptions(values);
  const sizing = resolveSizing(process.cwd(), { config: values.config, overhead: values.overhead, runtime });

  if (values.image !== undefined) {
    return verifyImage({
      image: values.image, command: commandLine, dockerArgs: values['docker-arg'] ?? [], docker: values.docker, runtime, legacyJvm: values['legacy-jvm'],
      sizing, json, intervalMs, graceMs, limitBytes: limit.bytes, flags: !values['no-flags'],
    });
  }

  let result: VerifyResult;
  try {
    result = await verify({
      command: commandLine,
      limitBytes: limit.bytes,
      runtime,
      flags: !values['no-flags'],
      legacyJvm: values['legacy-jvm'],
      sizing,
      intervalMs,
      stdout: json ? 'stderr' : 'stdout',
      handleSignals: true,
      graceMs,
      pidNamespace: !values['no-pid-namespace'],
    });
  } catch (error) {
    if (error instanceof CgroupUnavailableError) {
      process.stderr.write(`oomguard verify: cannot run the command under a memory limit: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (result.startError) {
    process.stderr.write(`oomguard verify: ${result.startError}\n`);
    return 2;
  }
  process.stdout.write(json ? `${JSON.stringify(verifyJson(result, commandLine), null, 2)}\n` : verifyText(result, commandLine));
  // The report is out first: a chart that cannot be written costs one error line, never the run.
  if (values.chart !== undefined) {
    try {
      writeChartFile(values.chart, await renderMemoryChart(verifyChart(result, commandLine)));
    } catch (error) {
      process.stderr.write(`oomguard verify: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  return result.outcome === 'ok' ? 0 : 1;
}

