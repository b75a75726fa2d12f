/**
 * `oomguard webhook manifests`: everything a cluster needs to run the webhook, as plain objects.
 * The choices are explained in docs/admission.md; each is also said once here, at the field.
 */
import { parseQuantity } from '../core/quantity';
import { sizeContainer } from '../generate/container';
import { PROBE_TIMINGS } from '../generate/probes';
import { MUTATE_ANNOTATION } from './review';

export interface ManifestOptions {
  /** @default 'oomguard-system' */
  readonly namespace?: string;
  /** @default 'oomguard-webhook' */
  readonly name?: string;
  /** An image whose PATH has `oomguard` (Node.js 20 and this package installed). */
  readonly image: string;
  /** @default 2 */
  readonly replicas?: number;
  /** Validating webhook's failurePolicy. @default 'Fail' */
  readonly failurePolicy?: 'Fail' | 'Ignore';
  /** @default 5 */
  readonly timeoutSeconds?: number;
  /** Measured peak RSS of one replica (bench/webhook.ts). @default PEAK_RSS */
  readonly peakRss?: string;
  /** Start in audit mode (`enforce: false`). @default false */
  readonly audit?: boolean;
}

/**
 * Peak RSS of `oomguard webhook serve` measured by bench/webhook.ts (60,000 reviews at concurrency
 * 64: validation, a config reload and a certificate rotation, mutation): 105 MiB at most over the
 * runs of 2026-12-01, rounded up. See docs/admission.md.
 */
export const PEAK_RSS = '112Mi';

const PORT = 8443;
const LABEL_MUTATE = 'oomguard.io/mutate';

/** The kinds oomguard lints, by API group: every pod-bearing kind, and Argo Rollouts (a CRD with a pod template). */
export const WEBHOOK_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'replicationcontrollers', 'podtemplates'] },
  { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'] },
  { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs', 'cronjobs'] },
  { apiGroups: ['argoproj.io'], apiVersions: ['v1alpha1'], resources: ['rollouts'] },
].map((rule) => ({ operations: ['CREATE', 'UPDATE'], ...rule, scope: 'Namespaced' }));

export function webhookManifests(options: ManifestOptions): Record<string, unknown>[] {
  const namespace = options.namespace ?? 'oomguard-system';
  const name = options.name ?? 'oomguard-webhook';
  const replicas = options.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 2) throw new RangeError('replicas must be 2 or more: one replica is an outage at every node drain');
  const peak = parseQuantity(options.peakRss ?? PEAK_RSS);
  if (!peak.ok || peak.bytes === 0) throw new RangeError(`peak RSS "${options.peakRss}" is not a memory quantity`);
  const timeoutSeconds = options.timeoutSeconds ?? 5;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) throw new RangeError('timeoutSeconds must be 1 to 30 (the API server\'s range)');
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'oomguard' };
  const secretName = `${name}-tls`;
  const certificate = `${name}-serving`;
  const service = `${name}`;
  // The generator's own sizing: request = limit = peak × 1.5 + Node.js overhead, heap below it.
  const sized = sizeContainer({ runtime: 'node', peakBytes: peak.bytes, env: [] });
  const https = (path: string) => ({ httpGet: { path, port: PORT, scheme: 'HTTPS' } });
  // Never review our own namespace (the webhook could not start if it had to admit itself) nor
  // kube-system (the control plane must come up without us).
  const excluded = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', namespace] };
  const clientConfig = (path: string) => ({ service: { namespace, name: service, path, port: 443 } });
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    matchPolicy: 'Equivalent',
    timeoutSeconds,
    rules: WEBHOOK_RULES,
  };
  const injectCa = { 'cert-manager.io/inject-ca-from': `${namespace}/${certificate}` };
  const config = [
    '# oomguard configuration: the same file `oomguard lint --config` reads; reloaded on change.',
    'rules: {}',
    'webhook:',
    `  enforce: ${options.audit ? 'false' : 'true'}`,
    '  excludeNamespaces: []',
    '',
  ].join('\n');

  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'oomguard' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels }, automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace, labels }, data: { 'config.yaml': config } },
    // A self-signed root signs a CA; the CA issues the serving certificate. cainjector copies the CA
    // (not the leaf) into the webhook configurations, so a leaf renewal never changes caBundle and
    // no request fails while a rotated leaf and an old caBundle coexist.
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: `${name}-selfsigned`, namespace, labels }, spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: `${name}-ca`, namespace, labels },
      spec: { isCA: true, commonName: `${name}-ca`, secretName: `${name}-ca`, duration: '43800h', renewBefore: '720h', privateKey: { algorithm: 'ECDSA', size: 256 }, issuerRef: { name: `${name}-selfsigned`, kind: 'Issuer' } },
    },
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: `${name}-ca`, namespace, labels }, spec: { ca: { secretName: `${name}-ca` } } },
    {
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: certificate, namespace, labels },
      spec: {
        secretName,
        dnsNames: [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`],
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature', 'key encipherment'],
        issuerRef: { name: `${name}-ca`, kind: 'Issuer' },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace, labels },
      spec: { selector: labels, ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        // Never below replicas - 0 during a rollout: the webhook is on every pod's path.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels, annotations: sized.annotations },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            priorityClassName: 'system-cluster-critical',
            // Spread over nodes: preferred, not required, so a one-node cluster still runs both.
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } } }] } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }],
            // Kubernetes' default, above the server's 5 s delay + 20 s grace.
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'webhook',
              image: options.image,
              command: ['oomguard'],
              // After SIGTERM: 5 s still answering while the endpoint removal propagates, then up to 20 s for
              // reviews in flight; 25 s in all, inside the 30 s grace period.
              args: ['webhook', 'serve', `--port=${PORT}`, '--tls-cert=/tls/tls.crt', '--tls-key=/tls/tls.key', '--config=/config/config.yaml', '--shutdown-delay=5000', '--shutdown-grace=20000'],
              ports: [{ name: 'https', containerPort: PORT, protocol: 'TCP' }],
              env: [
                ...sized.env,
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              resources: { requests: { cpu: '100m', memory: sized.memory }, limits: { memory: sized.memory } },
              // Readiness fails as soon as SIGTERM arrives, liveness only if the process stops answering.
              readinessProbe: { ...https('/readyz'), ...PROBE_TIMINGS.readiness },
              livenessProbe: { ...https('/healthz'), ...PROBE_TIMINGS.liveness },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'tls', mountPath: '/tls', readOnly: true },
                { name: 'config', mountPath: '/config', readOnly: true },
              ],
            }],
            // Mounted whole (no subPath), so the kubelet's updates reach the running pod and the server re-reads them.
            volumes: [
              { name: 'tls', secret: { secretName } },
              { name: 'config', configMap: { name: `${name}-config` } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace, labels },
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name, labels, annotations: injectCa },
      webhooks: [{
        name: 'validate.oomguard.io',
        clientConfig: clientConfig('/validate'),
        // Fail: an unchecked pod is what the webhook exists to stop; two replicas and a PDB keep it up,
        // and the excluded namespaces keep the control plane and the webhook itself deployable.
        failurePolicy: options.failurePolicy ?? 'Fail',
        namespaceSelector: { matchExpressions: [excluded] },
        ...common,
      }],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name, labels, annotations: injectCa },
      webhooks: [
        {
          // Namespaces labelled oomguard.io/mutate=enabled: every object, unless annotated "false".
          name: 'mutate-namespace.oomguard.io',
          clientConfig: clientConfig('/mutate/namespace'),
          namespaceSelector: { matchExpressions: [excluded, { key: LABEL_MUTATE, operator: 'In', values: ['enabled'] }] },
          ...mutatingCommon(common),
        },
        {
          // Every other namespace: only objects annotated oomguard.io/mutate: "true".
          name: 'mutate-annotated.oomguard.io',
          clientConfig: clientConfig('/mutate'),
          namespaceSelector: { matchExpressions: [excluded, { key: LABEL_MUTATE, operator: 'NotIn', values: ['enabled'] }] },
          ...mutatingCommon(common),
        },
      ],
    },
  ];
}

function mutatingCommon(common: Record<string, unknown>): Record<string, unknown> {
  return {
    // Ignore: a missing heap flag is not worth failing a deploy; validation still reports it.
    failurePolicy: 'Ignore',
    // IfNeeded: a later mutating webhook may add a container (a service-mesh sidecar) or change a limit;
    // oomguard is called again to size what it added. Its patches are idempotent, so a second call is a no-op.
    reinvocationPolicy: 'IfNeeded',
    ...common,
  };
}

/** The annotation users set; exported for the CLI help. */
export { MUTATE_ANNOTATION };
