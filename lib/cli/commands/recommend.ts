/**
 * `oomguard recommend --prometheus URL [...]`: a sized recommendation for every container Prometheus
 * knows, with leak/spike classification, in a risk-sorted table, JSON, CSV or an HTML page of charts;
 * `--manifests DIR` matches them to the manifests and `--write` records the measured peaks there.
 */
import { chartPathProblem, writeChartFile } from '../../lab/chart-file';
import { parseDuration } from '../../alerts/promql';
import { createPrometheusClient, PrometheusError } from '../../prometheus/client';
import { collect, DEFAULT_MAX_SAMPLES, DEFAULT_STEP, DEFAULT_WINDOW, resolveWindow } from '../../recommend/collect';
import { csvPieces, jsonPieces, tablePieces, type ReportMeta } from '../../recommend/format';
import { parseSelector } from '../../recommend/promql';
import { buildRecommendation, byRisk, type Recommendation } from '../../recommend/report';
import { displayPath } from '../files';
import { parseCommandArgs, UsageError } from '../usage';
import { readBearerToken } from '../bearer-token';

const HELP = `Usage: oomguard recommend --prometheus URL [options]

For every container Prometheus knows: the peak working set and RSS over the window (cAdvisor), the
limit and request, OOM kills and restarts (kube-state-metrics), rolled up to its workload (Deployment,
StatefulSet, DaemonSet, CronJob, ...); leak or spike; and the limit the sizing formula gives for its
runtime. A leak gets no bigger limit but a "profile this" line with its days to the limit.

  --prometheus URL        Prometheus, Thanos Query or Mimir (the same HTTP API), with any path prefix
  --bearer-token-file F   send the token in F as \`Authorization: Bearer\`
  --header 'NAME: VALUE'  an extra request header, repeatable (Mimir's X-Scope-OrgID: tenant)
  --namespace NS          only this namespace (repeatable; default: every namespace)
  --selector MATCHERS     PromQL label matchers for every series, e.g. cluster="eu-1"
  --window DURATION       how far back to look (default: ${DEFAULT_WINDOW})
  --step DURATION         resolution of the memory series (default: ${DEFAULT_STEP}; the window must be a multiple)
  --at TIME               the end of the window, RFC 3339 or Unix seconds (default: now)
  --timeout DURATION      per query (default: 2m, Prometheus' own --query.timeout)
  --max-samples N         samples one range query may load; pages are packed under it (default: ${DEFAULT_MAX_SAMPLES})
  --manifests DIR         match each recommendation to the manifest declaring its workload
  --write                 with --manifests: record the peaks as oomguard.io/peak-rss[.<container>]
                          (comments kept, atomic); without it the changes are printed as a diff
  --format F              table (default), json or csv
  --html FILE             also write one self-contained page with a chart per workload
  -h, --help              this help

Then \`oomguard fix DIR\` sizes the limits and heap flags from the recorded peaks.

Exit codes: 0 recommended, 1 Prometheus has no container memory series in scope,
2 bad usage, Prometheus unreachable, refused or timed out, or a file that could not be written.
`;

function parseTime(text: string): number {
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--at must be an RFC 3339 time or Unix seconds, got ${text}`);
  return Math.floor(date.getTime() / 1000);
}

/**
 * Write the report to stdout 64 KiB at a time, waiting for a pipe to drain: Node queues what a pipe
 * cannot take yet, and a fleet's JSON queued whole costs more memory than the run itself.
 */
async function writeOut(pieces: Iterable<string>): Promise<void> {
  let buffer = '';
  const flush = async () => {
    const ok = process.stdout.write(buffer);
    buffer = '';
    if (ok) return;
    // Drained, or the reader went away (bin/oomguard.js drops the rest of the output on EPIPE).
    await new Promise<void>((resolve) => {
      const done = () => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('error', done);
    });
  };
  for (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= 65_536) await flush();
  }
  if (buffer) await flush();
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
      header: { type: 'string', multiple: true },
      namespace: { type: 'string', multiple: true },
      selector: { type: 'string' },
      window: { type: 'string', default: DEFAULT_WINDOW },
      step: { type: 'string', default: DEFAULT_STEP },
      at: { type: 'string' },
      timeout: { type: 'string', default: '2m' },
      'max-samples': { type: 'string' },
      manifests: { type: 'string' },
      write: { type: 'boolean' },
      format: { type: 'string', default: 'table' },
      html: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!values.prometheus) throw new UsageError('--prometheus URL is required');
  const format = values.format!;
  if (!['table', 'json', 'csv'].includes(format)) throw new UsageError(`--format must be table, json or csv, got ${format}`);
  if (values.write && !values.manifests) throw new UsageError('--write needs --manifests DIR (the manifests to record the peaks in)');
  let selector = '';
  let windowing: ReturnType<typeof resolveWindow>;
  try {
    selector = values.selector !== undefined ? parseSelector(values.selector) : '';
    windowing = resolveWindow({ window: values.window!, step: values.step! });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const timeoutSeconds = parseDuration(values.timeout!);
  if (timeoutSeconds === undefined) throw new UsageError(`--timeout must be a Prometheus duration such as 30s or 2m, got ${values.timeout}`);
  let maxSamples = DEFAULT_MAX_SAMPLES;
  if (values['max-samples'] !== undefined) {
    maxSamples = Number(values['max-samples']);
    if (!Number.isInteger(maxSamples) || maxSamples <= 0) throw new UsageError(`--max-samples must be a positive whole number, got ${values['max-samples']}`);
  }
  const end = values.at !== undefined ? parseTime(values.at) : Math.floor(Date.now() / 1000);
  const tokenFile = values['bearer-token-file'];
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const found = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/.exec(header);
    if (!found || /[\r\n]/.test(found[2])) throw new UsageError(`--header must be "NAME: VALUE", got ${JSON.stringify(header)}`);
    const name = found[1].toLowerCase();
    // One value per name: Mimir's tenant federation is one header (`X-Scope-OrgID: t1|t2`), and two
    // joined with a comma would name a tenant "t1, t2".
    if (name in headers) throw new UsageError(`--header ${found[1]} is given twice; give it once (Mimir reads several tenants from one value: 'X-Scope-OrgID: t1|t2')`);
    headers[name] = found[2].trim();
  }
  if (tokenFile !== undefined) {
    if ('authorization' in headers) throw new UsageError('--bearer-token-file and --header Authorization both set the Authorization header; give one');
    headers.authorization = `Bearer ${readBearerToken(tokenFile)}`;
  }
  const warnings = new Set<string>();

  // The page's path is checked before minutes of queries; the page itself is written atomically.
  if (values.html !== undefined) {
    const problem = chartPathProblem(values.html);
    if (problem) throw new UsageError(`--html ${values.html}: ${problem}`);
  }

  // Manifests first: a bad folder is reported before minutes of queries, and runtimes come from them.
  let index: import('../../recommend/manifests').ManifestIndex | undefined;
  if (values.manifests) {
    const manifests = require('../../recommend/manifests') as typeof import('../../recommend/manifests');
    try {
      index = manifests.indexManifests(values.manifests);
    } catch (error) {
      throw new UsageError(`--manifests ${values.manifests}: ${(error as Error).message}`);
    }
    for (const problem of index.problems) process.stderr.write(`oomguard recommend: ${displayPath(problem.file)}${problem.line ? `:${problem.line}` : ''}: ${problem.message}\n`);
  }
  // A manifest that could not be read or parsed ends the run with 2, like lint (the rest is still done).
  let code = index && index.problems.length > 0 ? 2 : 0;

  const started = process.hrtime.bigint();
  const rows: Recommendation[] = [];
  let stats;
  let client;
  try {
    client = createPrometheusClient({ url: values.prometheus, timeoutMs: timeoutSeconds * 1000, headers, onWarning: (warning) => warnings.add(warning) });
  } catch (error) {
    if (error instanceof PrometheusError) throw new UsageError(error.message);
    throw error;
  }
  try {
    stats = await collect(client, {
      ...(values.namespace?.length ? { namespaces: values.namespace } : {}),
      ...(selector ? { selector } : {}),
      window: windowing.window, step: windowing.step, end, maxSamples,
    }, (page) => {
      for (const container of page.containers) {
        const hint = index?.hint(container.namespace, container.kind, container.workload, container.container);
        rows.push(buildRecommendation(container, windowing.stepSeconds, end, hint, { keepSeries: values.html !== undefined }));
      }
    });
  } catch (error) {
    if (error instanceof PrometheusError) {
      const refused = error.status === 401 || error.status === 403;
      const hint = error.status === 404 ? ' (is the path right? Mimir serves the API under /prometheus, Thanos Query and Prometheus under their --web.route-prefix)'
        : !refused ? ''
        : tokenFile === undefined ? ' (pass a token with --bearer-token-file FILE)'
          : error.status === 401 ? ` (the token in ${tokenFile} was refused)`
            : ` (the token in ${tokenFile} is not allowed this; a multi-tenant gateway such as Mimir's may want --header 'X-Scope-OrgID: TENANT')`;
      process.stderr.write(`oomguard recommend: ${error.message}${hint}\n`);
      return 2;
    }
    throw error;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // A partial answer (Thanos with a store down) is not an error, but the figures may be incomplete.
  for (const warning of warnings) process.stderr.write(`oomguard recommend: warning from ${values.prometheus}: ${warning} (figures may be incomplete)\n`);
  rows.sort(byRisk);
  const meta: ReportMeta = { prometheus: values.prometheus, window: stats.window, step: stats.step, end, queries: stats.queries, pages: stats.pages, splits: stats.splits, seconds };
  if (rows.length === 0) {
    process.stderr.write(`oomguard recommend: Prometheus at ${values.prometheus} has no container_memory_working_set_bytes with a kube_pod_owner in the last ${stats.window}${values.namespace?.length ? ` in namespace ${values.namespace.join(', ')}` : ''}${selector ? ` matching {${selector}}` : ''}; check that cAdvisor and kube-state-metrics are scraped.\n`);
    return 1;
  }

  let manifestReport: Record<string, unknown> | undefined;
  let diff = '';
  if (index) {
    const manifests = require('../../recommend/manifests') as typeof import('../../recommend/manifests');
    const plan = manifests.planPeakEdits(index, rows);
    for (const problem of plan.problems) {
      process.stderr.write(`oomguard recommend: ${problem.message}\n`);
      code = 2;
    }
    let written: string[] = [];
    if (values.write) {
      try {
        written = manifests.writePlan(plan);
      } catch (error) {
        process.stderr.write(`oomguard recommend: cannot write: ${(error as Error).message}\n`);
        return 2;
      }
    } else {
      diff = manifests.planDiff(plan);
    }
    manifestReport = {
      files: index.files,
      matched: plan.edits.length + plan.skipped.length,
      unmatched: plan.unmatched.length,
      edits: plan.edits.map((edit) => ({ ...edit, file: displayPath(edit.file) })),
      skipped: plan.skipped,
      ...(values.write ? { written: written.map((file) => displayPath(file)) } : { diff }),
    };
    const summary = `manifests: ${plan.edits.length} peak${plan.edits.length === 1 ? '' : 's'} ${values.write ? `written in ${written.length} file${written.length === 1 ? '' : 's'}` : `to record in ${plan.changed.size} file${plan.changed.size === 1 ? '' : 's'} (run with --write)`}` +
      `${plan.skipped.length ? `, ${plan.skipped.length} skipped (leaks get no bigger limit)` : ''}, ${plan.unmatched.length} container${plan.unmatched.length === 1 ? '' : 's'} without a manifest in ${values.manifests}\n`;
    process.stderr.write(summary);
  }

  if (values.html) {
    const { renderHtml } = require('../../recommend/html') as typeof import('../../recommend/html');
    try {
      writeChartFile(values.html, renderHtml(rows, meta));
    } catch (error) {
      process.stderr.write(`oomguard recommend: --html ${values.html}: ${(error as Error).message}\n`);
      return 2;
    }
  }

  // A partial answer's warnings are in the report too, so a script sees them.
  const extra = { ...(warnings.size > 0 ? { warnings: [...warnings] } : {}), ...(manifestReport ? { manifests: manifestReport } : {}) };
  const pieces = format === 'json' ? jsonPieces(rows, meta, extra) : format === 'csv' ? csvPieces(rows) : tablePieces(rows, meta);
  await writeOut(pieces);
  if (format === 'table' && diff) await writeOut([`\n${diff}`]);
  return code;
}
