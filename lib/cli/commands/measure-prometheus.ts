/**
 * `oomguard measure --prometheus URL --namespace NS --workload NAME [...]`: the peak memory of a running
 * workload over a window, read from Prometheus (cAdvisor working set and RSS), with the recommended
 * limit and runtime flags, optionally written into a manifest as the `oomguard.io/peak-rss` annotation.
 * The `measure` command delegates here when its arguments contain `--prometheus`.
 */
import { fromLf, toLf, type TextForm } from '../../fix/text-form';
import { readForUpdate, writeFileAtomic, WriteError, type Snapshot } from '../../fix/write';
import { decodeManifest } from '../files';
import { ceilToMiB, describeBytes, formatQuantity } from '../../core/quantity';
import { extractWorkloads } from '../../core/workload';
import { runtimeOf } from '../../engine/context';
import { parseManifests } from '../../manifests/documents';
import { ANNOTATION } from '../../rules/types';
import { isRuntimeId, RUNTIME_IDS, type RuntimeId } from '../../runtimes';
import { recommend, settingsAt } from '../../sizing/formula';
import { createPrometheusClient, PrometheusError, queryPeak, setAnnotation, type ContainerPeak } from '../../prometheus';
import { readBearerToken } from '../bearer-token';
import { parseCommandArgs, UsageError } from '../usage';

const HELP = `Usage: oomguard measure --prometheus URL --namespace NS --workload NAME [options]

Read a running workload's peak memory from Prometheus (the maximum of cAdvisor's working set and RSS
over a window, per container) and print the recommended limit and runtime flags.

  --prometheus URL   the Prometheus server (http://prometheus.monitoring:9090)
  --bearer-token-file FILE
                     send the token in FILE as \`Authorization: Bearer\` (a Prometheus behind
                     kube-rbac-proxy or an OAuth proxy; a file keeps the token out of ps and history)
  --namespace NS     the workload's namespace (default: default)
  --workload NAME    the workload's name; its pods are matched by the kind's naming pattern
  --kind KIND        Deployment (default), StatefulSet, DaemonSet, Job, CronJob, Pod
  --container NAME   only this container
  --window DURATION  how far back to look, a Prometheus duration (default: 7d)
  --at TIME          the end of the window, RFC 3339 or Unix seconds (default: now)
  --runtime R        ${RUNTIME_IDS.join('|')}, for the overhead and flags (default: read from --write's manifest)
  --write FILE       set oomguard.io/peak-rss[.<container>] on the workload in FILE (comments and
                     formatting kept, written atomically)
  --format F         human (default) or json

Exit codes: 0 measured, 1 no memory samples for the workload, 2 bad usage, unreachable Prometheus or unwritable FILE.
`;

function parseTime(text: string): Date {
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--at must be an RFC 3339 time or Unix seconds, got ${text}`);
  return date;
}

/** Runtimes per container from the manifest the peak will be written to (annotation, then detection). */
function manifestDocuments(text: string): readonly unknown[] {
  const parsed = parseManifests(text);
  return parsed.ok ? parsed.documents.map((document) => document.value) : [];
}

function runtimesFromManifest(text: string, kind: string, name: string): Map<string, RuntimeId> {
  const runtimes = new Map<string, RuntimeId>();
  for (const document of manifestDocuments(text)) {
    for (const workload of extractWorkloads(document)) {
      if (workload.resource.kind !== kind || workload.resource.name !== name) continue;
      for (const container of workload.containers) {
        const detected = runtimeOf(workload, container);
        if (detected) runtimes.set(container.name, detected.runtime);
      }
      return runtimes;
    }
  }
  return runtimes;
}

function containerCount(text: string, kind: string, name: string): number | undefined {
  for (const document of manifestDocuments(text)) {
    for (const workload of extractWorkloads(document)) {
      if (workload.resource.kind === kind && workload.resource.name === name) return workload.containers.filter((c) => c.role !== 'ephemeral').length;
    }
  }
  return undefined;
}

interface Row {
  readonly peak: ContainerPeak;
  readonly runtime?: RuntimeId;
  readonly annotation: { readonly key: string; readonly value: string };
  readonly recommendation: ReturnType<typeof recommend>;
  readonly flags: readonly { name: string; value: string }[];
  readonly warnings: readonly string[];
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      prometheus: { type: 'string' },
      'bearer-token-file': { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      workload: { type: 'string' },
      kind: { type: 'string', default: 'Deployment' },
      container: { type: 'string' },
      window: { type: 'string', default: '7d' },
      at: { type: 'string' },
      runtime: { type: 'string' },
      write: { type: 'string' },
      format: { type: 'string', default: 'human' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.prometheus) throw new UsageError('--prometheus URL is required');
  if (!values.workload) throw new UsageError('--workload NAME is required (with --namespace, default "default")');
  if (values.format !== 'human' && values.format !== 'json') throw new UsageError(`--format must be human or json, got ${values.format}`);
  if (values.runtime !== undefined && !isRuntimeId(values.runtime)) throw new UsageError(`--runtime must be one of ${RUNTIME_IDS.join(', ')}, got ${values.runtime}`);
  const at = values.at !== undefined ? parseTime(values.at) : undefined;

  // The manifest to write is read once, bounded, and remembered (lib/fix/write.ts): it is replaced
  // atomically, with its BOM and line endings, and only if nothing changed it meanwhile.
  let manifest: string | undefined;
  let snapshot: Snapshot | undefined;
  let form: TextForm | undefined;
  if (values.write !== undefined) {
    const raw = readForUpdate(values.write);
    const decoded = raw.ok ? decodeManifest(raw.bytes) : raw;
    if (!raw.ok || !decoded.ok) {
      process.stderr.write(`oomguard measure: ${values.write}: ${(decoded as { message: string }).message}\n`);
      return 2;
    }
    snapshot = raw.snapshot;
    const split = toLf(decoded.text);
    manifest = split.lf;
    form = { ...split.form, bom: raw.bytes[0] === 0xef && raw.bytes[1] === 0xbb && raw.bytes[2] === 0xbf };
  }
  const fromManifest = manifest !== undefined ? runtimesFromManifest(manifest, values.kind!, values.workload) : new Map<string, RuntimeId>();

  const tokenFile = values['bearer-token-file'];
  let headers: Record<string, string> | undefined;
  if (tokenFile !== undefined) headers = { authorization: `Bearer ${readBearerToken(tokenFile)}` };

  let result;
  try {
    const client = createPrometheusClient({ url: values.prometheus, ...(headers ? { headers } : {}) });
    result = await queryPeak(client, {
      namespace: values.namespace!, workload: values.workload, kind: values.kind!, window: values.window!,
      ...(values.container !== undefined ? { container: values.container } : {}),
      ...(at ? { at } : {}),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    if (error instanceof PrometheusError) {
      const refused = error.status === 401 || error.status === 403;
      const hint = !refused ? '' : tokenFile === undefined ? ' (pass a token with --bearer-token-file FILE)' : ` (the token in ${tokenFile} was refused)`;
      process.stderr.write(`oomguard measure: ${error.message}${hint}\n`);
      return 2;
    }
    throw error;
  }
  const target = `${values.kind} ${values.namespace}/${values.workload}${values.container ? ` container ${values.container}` : ''}`;
  if (result.containers.length === 0) {
    process.stderr.write(
      `oomguard measure: Prometheus at ${values.prometheus} has no container_memory_working_set_bytes or container_memory_rss for ${target} in the last ${result.window} ` +
      `(selector ${result.selector}); check the namespace, the workload name and --kind, and that cAdvisor is scraped.\n`,
    );
    return 1;
  }

  const count = manifest !== undefined ? containerCount(manifest, values.kind!, values.workload) : undefined;
  const single = count === 1 || (count === undefined && result.containers.length === 1);
  const rows: Row[] = result.containers.map((peak) => {
    const runtime = (values.runtime as RuntimeId | undefined) ?? fromManifest.get(peak.container);
    const recommendation = recommend(peak.peakBytes, runtime);
    const flags = runtime ? settingsAt(recommendation.limitBytes, runtime).settings.map((f) => ({ name: f.name, value: f.value })) : [];
    const warnings: string[] = [];
    // A peak that sits at the limit was cut off by it (the kernel reclaims or kills at the limit).
    if (peak.limitBytes !== undefined && peak.peakBytes >= peak.limitBytes * 0.95) {
      warnings.push(`the peak ${describeBytes(peak.peakBytes)} is within 5% of the limit ${formatQuantity(peak.limitBytes)}: the limit capped it, so the real need may be higher and ${formatQuantity(recommendation.limitBytes)} is a lower bound`);
    }
    if (peak.oomKilled) warnings.push(`container ${peak.container} was OOM-killed in the window: its usage at the kill was not scraped, so the peak may be understated`);
    if (!runtime) warnings.push(`runtime unknown: sized with the ${describeBytes(recommendation.overheadBytes)} default overhead and no flags; pass --runtime`);
    return {
      peak, ...(runtime ? { runtime } : {}), recommendation, flags, warnings,
      annotation: { key: single ? ANNOTATION.peak : `${ANNOTATION.peak}.${peak.container}`, value: formatQuantity(ceilToMiB(peak.peakBytes)) },
    };
  });

  let written: string | undefined;
  if (values.write !== undefined && manifest !== undefined) {
    let text = manifest;
    for (const row of rows) {
      const edit = setAnnotation(text, { kind: values.kind!, name: values.workload, namespace: values.namespace }, row.annotation.key, row.annotation.value);
      if (!edit.ok) {
        process.stderr.write(`oomguard measure: ${values.write} ${edit.reason}\n`);
        return 2;
      }
      text = edit.text;
    }
    if (text !== manifest) {
      try {
        writeFileAtomic(values.write, fromLf(manifest, text, form!), snapshot);
      } catch (error) {
        const reason = error instanceof WriteError ? error.message : (error as Error).message;
        process.stderr.write(`oomguard measure: cannot write ${values.write}: ${reason}${error instanceof WriteError && error.written ? '' : '; the file is left unchanged'}\n`);
        return 2;
      }
    }
    written = values.write;
  }

  if (values.format === 'json') {
    process.stdout.write(`${JSON.stringify({
      prometheus: values.prometheus, target: { kind: values.kind, namespace: values.namespace, name: values.workload }, window: result.window,
      ...(result.at ? { at: result.at } : {}), selector: result.selector,
      containers: rows.map((row) => ({
        ...row.peak, runtime: row.runtime ?? null, recommendedLimitBytes: row.recommendation.limitBytes,
        recommendedLimit: formatQuantity(row.recommendation.limitBytes), explanation: row.recommendation.explanation,
        flags: row.flags, annotation: row.annotation, warnings: row.warnings,
      })),
      ...(written ? { written } : {}),
      queries: result.queries,
    }, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [`Peak memory of ${values.kind} ${values.namespace}/${values.workload} over ${result.window}${result.at ? ` to ${result.at}` : ''} (${values.prometheus}):`];
  for (const row of rows) {
    const { peak } = row;
    const figures = [peak.workingSetBytes !== undefined ? `working set ${describeBytes(peak.workingSetBytes)}` : undefined, peak.rssBytes !== undefined ? `RSS ${describeBytes(peak.rssBytes)}` : undefined].filter(Boolean).join(', ');
    out.push(`  container ${peak.container}: peak ${describeBytes(peak.peakBytes)} (${figures}; ${peak.series} pod series${peak.limitBytes !== undefined ? `; limit ${formatQuantity(peak.limitBytes)}` : ''})`);
    out.push(`    limit = request = ${formatQuantity(row.recommendation.limitBytes)} (${row.recommendation.explanation})`);
    for (const flag of row.flags) out.push(`    ${flag.name}="${flag.value}"`);
    out.push(`    ${row.annotation.key}: ${row.annotation.value}${written ? `  (written to ${written})` : ''}`);
    for (const warning of row.warnings) out.push(`    warning: ${warning}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
