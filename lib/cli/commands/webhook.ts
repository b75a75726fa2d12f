/**
 * `oomguard webhook serve` (the admission webhook) and `oomguard webhook manifests` (what a cluster
 * needs to run it). See docs/admission.md.
 */
import { UsageError, parseCommandArgs } from '../usage';

const HELP = `Usage: oomguard webhook <serve|manifests> [options]

  serve       run the admission webhook (HTTPS, admission.k8s.io/v1)
  manifests   print the Kubernetes objects that run it (YAML)

Run \`oomguard webhook <subcommand> --help\` for its options. See docs/admission.md.
`;

const SERVE_HELP = `Usage: oomguard webhook serve --tls-cert FILE --tls-key FILE [options]

Validate (POST /validate) and mutate (POST /mutate, /mutate/namespace) AdmissionReviews for every
pod-bearing kind with the rules and severities of \`oomguard lint\`. Serves /healthz, /readyz and
/metrics (Prometheus). Key pair and config are re-read when their files change; SIGTERM finishes the
reviews in flight, then exits.

Options:
      --tls-cert <file>        PEM certificate (chain) to serve (required)
      --tls-key <file>         PEM private key (required)
  -c, --config <file>          configuration (.oomguard.yaml format, with a webhook: section)
      --audit                  never deny: error-level findings become warnings (webhook.enforce: false)
      --address <ip>           address to listen on (default: 0.0.0.0)
      --port <n>               port (default: 8443)
      --namespace <name>       the webhook's own namespace, never reviewed (default: $POD_NAMESPACE)
      --log-level <level>      debug|info|warn|error (default: info; allowed reviews are logged at debug)
      --poll-interval <ms>     how often changed files are looked for (default: 2000)
      --shutdown-delay <ms>    after SIGTERM, keep answering this long with /readyz failing (default: 0)
      --shutdown-grace <ms>    then, time reviews in flight get to finish (default: 20000)
  -h, --help                   this help
`;

const MANIFESTS_HELP = `Usage: oomguard webhook manifests --image IMAGE [options]

Print the Namespace, ServiceAccount, ConfigMap, cert-manager Issuers and Certificates, Service,
Deployment, PodDisruptionBudget and the Validating/MutatingWebhookConfigurations (YAML).

Options:
      --image <image>           image that has oomguard on its PATH (required)
      --namespace <name>        namespace (default: oomguard-system)
      --name <name>             name of the objects (default: oomguard-webhook)
      --replicas <n>            2 or more (default: 2)
      --failure-policy <p>      validating webhook: Fail|Ignore (default: Fail)
      --timeout-seconds <n>     1-30 (default: 5)
      --audit                   start in audit mode (webhook.enforce: false)
  -h, --help                    this help
`;

function integer(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new UsageError(`--${name} takes a whole number of at least ${min}, got "${value}"`);
  return number;
}

async function serve(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      config: { type: 'string', short: 'c' },
      audit: { type: 'boolean' },
      address: { type: 'string' },
      port: { type: 'string' },
      namespace: { type: 'string' },
      'log-level': { type: 'string' },
      'poll-interval': { type: 'string' },
      'shutdown-delay': { type: 'string' },
      'shutdown-grace': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  if (!values['tls-cert'] || !values['tls-key']) throw new UsageError('--tls-cert and --tls-key are required (the API server calls webhooks over HTTPS only)');
  const { LOG_LEVELS, createLogger } = require('../../webhook/log') as typeof import('../../webhook/log');
  const level = (values['log-level'] ?? 'info') as (typeof LOG_LEVELS)[number];
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const port = integer(values.port, 'port', 0);
  if (port !== undefined && port > 65535) throw new UsageError('--port must be at most 65535');
  const { startWebhook } = require('../../webhook/server') as typeof import('../../webhook/server');
  const { TlsError } = require('../../webhook/tls') as typeof import('../../webhook/tls');
  const logger = createLogger(level);
  let server: Awaited<ReturnType<typeof startWebhook>>;
  try {
    server = await startWebhook({
      tlsCert: values['tls-cert'],
      tlsKey: values['tls-key'],
      ...(values.config ? { configFile: values.config } : {}),
      audit: values.audit === true,
      ...(values.address ? { address: values.address } : {}),
      ...(port !== undefined ? { port } : {}),
      ...((values.namespace ?? process.env.POD_NAMESPACE) ? { ownNamespace: values.namespace ?? process.env.POD_NAMESPACE } : {}),
      ...(values['poll-interval'] ? { pollMs: integer(values['poll-interval'], 'poll-interval', 50) } : {}),
      ...(values['shutdown-delay'] ? { shutdownDelayMs: integer(values['shutdown-delay'], 'shutdown-delay', 0) } : {}),
      ...(values['shutdown-grace'] ? { shutdownGraceMs: integer(values['shutdown-grace'], 'shutdown-grace', 0) } : {}),
      logger,
    });
  } catch (error) {
    if (error instanceof TlsError) throw new UsageError(`cannot use the key pair: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || (error as NodeJS.ErrnoException).code === 'EACCES') throw new UsageError((error as Error).message);
    throw error;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.log('info', 'signal', { signal });
      server.close().then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function manifests(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      image: { type: 'string' },
      namespace: { type: 'string' },
      name: { type: 'string' },
      replicas: { type: 'string' },
      'failure-policy': { type: 'string' },
      'timeout-seconds': { type: 'string' },
      audit: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(MANIFESTS_HELP);
    return 0;
  }
  if (!values.image) throw new UsageError('--image is required: an image with Node.js 20 and oomguard on its PATH');
  const policy = values['failure-policy'];
  if (policy !== undefined && policy !== 'Fail' && policy !== 'Ignore') throw new UsageError('--failure-policy must be Fail or Ignore');
  const { webhookManifests } = require('../../webhook/manifests') as typeof import('../../webhook/manifests');
  const { dump } = require('js-yaml') as typeof import('js-yaml');
  let objects: Record<string, unknown>[];
  try {
    objects = webhookManifests({
      image: values.image,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values.replicas ? { replicas: integer(values.replicas, 'replicas', 2) } : {}),
      ...(policy ? { failurePolicy: policy } : {}),
      ...(values['timeout-seconds'] ? { timeoutSeconds: integer(values['timeout-seconds'], 'timeout-seconds', 1) } : {}),
      audit: values.audit === true,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  process.stdout.write(`# Generated by oomguard webhook manifests; see docs/admission.md.\n${objects.map((object) => dump(object, { lineWidth: -1, noRefs: true })).join('---\n')}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'serve') return serve(rest);
  if (sub === 'manifests') return manifests(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown subcommand "${sub}" (use serve or manifests)`);
}
