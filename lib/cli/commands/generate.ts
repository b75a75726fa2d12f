/**
 * `oomguard generate --name N --image I --runtime R --peak-rss Q [--port P]`: a Deployment sized by the
 * one formula, with the runtime's own ceiling and probes, that `oomguard lint` passes clean.
 */
import { parseQuantity } from '../../core/quantity';
import { buildDeployment } from '../../generate/deployment';
import { RUNTIME_IDS, isRuntimeId } from '../../runtimes';
import { loadConfig } from '../../config/load';
import { UsageError, parseCommandArgs } from '../usage';

const HELP = `Usage: oomguard generate --name N --image I --runtime R --peak-rss Q [options]

Print a Deployment whose memory request equals its limit (peak × factor + runtime overhead), with the
runtime's heap flags and probes.

Options:
      --name <name>          Deployment and container name (required)
      --image <image>        container image (required)
      --runtime <runtime>    ${RUNTIME_IDS.join(', ')} (required)
      --peak-rss <quantity>  measured peak memory, e.g. 400Mi (required)
      --port <port>          HTTP port for probes (default: 8080)
      --replicas <n>         replicas (default: 1)
      --namespace <ns>       namespace
      --liveness-path <p>    liveness probe path (default: /livez)
      --readiness-path <p>   readiness probe path (default: /readyz)
  -c, --config <file>        configuration file for sizing (default: .oomguard.yaml found upward)
      --alerts               also print a prometheus-operator PrometheusRule (75%/90% of the limit,
                             growth toward the limit, OOM kills; see docs/alerts.md)
  -f, --format <yaml|json|compose>
                             output format (default: yaml; json prints a List with --alerts;
                             compose prints a Docker Compose service, see docs/compose.md)
      --compose-form <mem_limit|deploy>
                             compose: the limit as mem_limit/mem_reservation (default) or as
                             deploy.resources limits/reservations
      --health-cmd <cmd>     compose: the healthcheck's shell command (default: an HTTP request
                             to --liveness-path on --port with node, python3, wget or curl)
`;

/** Default port when none is given: probes need one, and 8080 is the conventional unprivileged HTTP port. */
const DEFAULT_PORT = 8080;

/** A DNS-1123 label (k8s.io/apimachinery validation.IsDNS1123Label): what names and namespaces must be. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** `replicas` is an int32 in the Deployment API. */
const MAX_INT32 = 2 ** 31 - 1;
/** A quantity is stored as an int64 count of bytes. */
const MAX_INT64_BYTES = 2n ** 63n - 1n;

/** A whole number written in decimal digits: `Number()` alone would take '', '0x50' and '1e3'. */
function wholeNumber(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      image: { type: 'string' },
      runtime: { type: 'string' },
      'peak-rss': { type: 'string' },
      port: { type: 'string' },
      replicas: { type: 'string' },
      namespace: { type: 'string' },
      'liveness-path': { type: 'string' },
      'readiness-path': { type: 'string' },
      config: { type: 'string', short: 'c' },
      format: { type: 'string', short: 'f', default: 'yaml' },
      alerts: { type: 'boolean' },
      'compose-form': { type: 'string' },
      'health-cmd': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const missing = ['name', 'image', 'runtime', 'peak-rss'].filter((key) => !values[key as keyof typeof values]);
  if (missing.length) throw new UsageError(`missing --${missing.join(', --')}\n\n${HELP}`);
  const name = values.name!;
  if (values.format === 'compose') return printCompose(values, name);
  if (!DNS_1123_LABEL.test(name)) throw new UsageError(`--name "${name}" is not a valid Kubernetes name (lowercase letters, digits and '-', at most 63)`);
  if (values.namespace !== undefined && !DNS_1123_LABEL.test(values.namespace)) {
    throw new UsageError(`--namespace "${values.namespace}" is not a valid Kubernetes namespace (a DNS-1123 label: lowercase letters, digits and '-', at most 63)`);
  }
  if (!isRuntimeId(values.runtime)) throw new UsageError(`--runtime "${values.runtime}" is not one of ${RUNTIME_IDS.join(', ')}`);
  const peak = parseQuantity(values['peak-rss']);
  if (!peak.ok) throw new UsageError(`--peak-rss "${values['peak-rss']}" ${peak.reason}`);
  if (peak.bytes === 0) throw new UsageError('--peak-rss must be more than zero');
  const port = values.port === undefined ? DEFAULT_PORT : wholeNumber(values.port);
  if (port === undefined || port < 1 || port > 65535) throw new UsageError(`--port "${values.port}" is not a port number (1-65535)`);
  const replicas = values.replicas === undefined ? 1 : wholeNumber(values.replicas);
  if (replicas === undefined || replicas > MAX_INT32) throw new UsageError(`--replicas "${values.replicas}" is not a whole number from 0 to ${MAX_INT32} (replicas is an int32)`);
  if (values.format !== 'yaml' && values.format !== 'json') throw new UsageError(`unknown format "${values.format}" (use yaml, json or compose)`);
  const config = loadConfig(process.cwd(), values.config);

  const deployment = buildDeployment({
    name,
    image: values.image!,
    runtime: values.runtime,
    peakBytes: peak.bytes,
    port,
    replicas,
    sizing: config.sizing,
    // A JVM's variant (legacy or not) is read from the image by the facts model.
    ...(values.namespace ? { namespace: values.namespace } : {}),
    probePaths: { ...(values['liveness-path'] ? { liveness: values['liveness-path'] } : {}), ...(values['readiness-path'] ? { readiness: values['readiness-path'] } : {}) },
  });
  const limit = (deployment as { spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } } }).spec.template.spec.containers[0].resources.limits.memory;
  const limitBytes = parseQuantity(limit);
  if (!limitBytes.ok || BigInt(limitBytes.bytes) > MAX_INT64_BYTES) {
    throw new UsageError(`--peak-rss "${values['peak-rss']}" needs a memory limit of ${limit}, more than Kubernetes can store (an int64 count of bytes, about 8Ei)`);
  }
  // The promise is a Deployment that \`oomguard lint\` passes with no error or warning: check it, so a
  // peak too small for the runtime's fixed overhead (a JVM heap of 1% of the limit) is refused, not printed.
  const { createLinter } = require('../../engine/linter') as typeof import('../../engine/linter');
  const findings = createLinter({ severities: config.severities, sizing: config.sizing }).lintDocument(deployment).filter((finding) => finding.severity !== 'info');
  if (findings.length > 0) {
    const heapTooSmall = findings.some((finding) => /-exceeds-limit$/.test(finding.ruleId));
    throw new UsageError(`the ${values.runtime} Deployment for --peak-rss "${values['peak-rss']}" would not lint clean, so it is not printed: ${findings.map((finding) => `${finding.message} (${finding.ruleId})`).join('; ')}${heapTooSmall ? '. A peak this small leaves the runtime\'s heap no room beside its fixed overhead: declare the measured peak' : ''}`);
  }
  const objects: object[] = [deployment];
  if (values.alerts) {
    const { buildPrometheusRule } = require('../../alerts') as typeof import('../../alerts');
    objects.push(buildPrometheusRule({ name, container: name, kind: 'Deployment', ...(values.namespace ? { namespace: values.namespace } : {}), limitBytes: limitBytes.bytes }));
  }
  if (values.format === 'json') {
    const output = objects.length === 1 ? deployment : { apiVersion: 'v1', kind: 'List', items: objects };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    const { dump } = require('js-yaml') as typeof import('js-yaml');
    process.stdout.write(objects.map((object) => dump(object, { lineWidth: -1, noRefs: true })).join('---\n'));
  }
  return 0;
}

/** `--format compose`: one Compose service (lib/compose/generate.ts). */
function printCompose(values: Record<string, string | boolean | undefined>, name: string): number {
  // Compose service names: letters, digits, '.', '_' and '-' (compose-spec schema, "services" pattern).
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new UsageError(`--name "${name}" is not a valid Compose service name (letters, digits, '.', '_' and '-')`);
  if (values.alerts) throw new UsageError('--alerts prints a Kubernetes PrometheusRule; it does not combine with --format compose');
  const runtime = values.runtime;
  if (!isRuntimeId(runtime)) throw new UsageError(`--runtime "${String(runtime)}" is not one of ${RUNTIME_IDS.join(', ')}`);
  const peak = parseQuantity(values['peak-rss']);
  if (!peak.ok) throw new UsageError(`--peak-rss "${String(values['peak-rss'])}" ${peak.reason}`);
  if (peak.bytes === 0) throw new UsageError('--peak-rss must be more than zero');
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port "${String(values.port)}" is not a port number`);
  const form = values['compose-form'] ?? 'mem_limit';
  if (form !== 'mem_limit' && form !== 'deploy') throw new UsageError(`--compose-form "${String(form)}" is not mem_limit or deploy`);
  const config = loadConfig(process.cwd(), values.config as string | undefined);
  const { buildComposeService } = require('../../compose/generate') as typeof import('../../compose/generate');
  const { isLegacyJvmImage: legacyImage } = require('../../runtimes/jvm') as typeof import('../../runtimes/jvm');
  const image = values.image as string;
  const service = buildComposeService({
    name,
    image,
    runtime,
    peakBytes: peak.bytes,
    port,
    sizing: config.sizing,
    legacyJvm: runtime === 'jvm' && legacyImage(image),
    form,
    ...(typeof values['liveness-path'] === 'string' ? { healthPath: values['liveness-path'] } : {}),
    ...(typeof values['health-cmd'] === 'string' ? { healthCommand: values['health-cmd'] } : {}),
  });
  const { dump } = require('js-yaml') as typeof import('js-yaml');
  process.stdout.write(dump(service, { lineWidth: -1, noRefs: true }));
  return 0;
}
