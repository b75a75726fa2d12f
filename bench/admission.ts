/**
 * For the webhook tests and bench/webhook.ts: a CA and serving certificates made with openssl, as
 * cert-manager makes them (a CA issues the leaf, so a rotated leaf is trusted by the same caBundle),
 * and AdmissionReviews shaped the way kube-apiserver sends them.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.error?.message ?? result.stderr}`);
}

export interface Pki {
  readonly dir: string;
  readonly ca: Buffer;
  readonly cert: string;
  readonly key: string;
}

/** A CA, and a serving certificate for 127.0.0.1 and localhost in dir/tls.crt and dir/tls.key. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'oomguard-webhook-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=oomguard-test-ca'], dir);
  issueLeaf(dir, 'tls');
  return { dir, ca: readFileSync(join(dir, 'ca.crt')), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

/** A new leaf from the same CA as `<name>.crt`/`<name>.key` (a rotation when name is `tls`). */
export function issueLeaf(dir: string, name: string): void {
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.new.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost'], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', `${name}.new.crt`], dir);
  // Each file replaced atomically, as the kubelet's symlink swap makes it appear.
  renameSync(join(dir, `${name}.new.crt`), join(dir, `${name}.crt`));
  renameSync(join(dir, `${name}.new.key`), join(dir, `${name}.key`));
}

const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  Rollout: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' },
};

export interface ReviewOptions {
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
  readonly namespace?: string;
  readonly subResource?: string;
  readonly username?: string;
}

/**
 * An AdmissionReview as kube-apiserver builds it (staging/src/k8s.io/apiserver/pkg/admission/plugin/
 * webhook/request): kind/resource and their request* twins, the namespace, userInfo, `oldObject`
 * null on CREATE, the operation's options, dryRun.
 */
export function admissionReview(object: Record<string, any>, options: ReviewOptions = {}): Record<string, unknown> {
  const operation = options.operation ?? 'CREATE';
  const kind = String(object.kind);
  const [group, version] = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/') : ['', String(object.apiVersion)];
  const resource = RESOURCES[kind] ?? { group, version, resource: `${kind.toLowerCase()}s` };
  const namespace = options.namespace ?? object.metadata?.namespace ?? 'default';
  const withNamespace = { ...object, metadata: { ...object.metadata, namespace } };
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: randomUUID(),
      kind: { group, version, kind },
      resource,
      requestKind: { group, version, kind },
      requestResource: resource,
      ...(options.subResource ? { subResource: options.subResource, requestSubResource: options.subResource } : {}),
      name: object.metadata?.name ?? '',
      namespace,
      operation,
      userInfo: { username: options.username ?? 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object: operation === 'DELETE' ? null : withNamespace,
      oldObject: operation === 'CREATE' ? null : options.oldObject ?? null,
      dryRun: options.dryRun === true,
      options: { kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
    },
  };
}

