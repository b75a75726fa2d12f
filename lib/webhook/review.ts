/**
 * One AdmissionReview in, one AdmissionReview out (admission.k8s.io/v1). Validation runs the same
 * linter `oomguard lint` runs, with the same severities; mutation plans a JSON Patch from the rules'
 * fixes (mutation.ts). No I/O: the server (server.ts) reads bodies, writes answers and keeps metrics.
 */
import { extractWorkloads, type Workload } from '../core/workload';
import type { Finding, Linter } from '../engine/linter';
import type { SizingConfig } from '../sizing/formula';
import { planMutation, type AppliedChange } from './mutation';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** Opt-in (and, in an opted-in namespace, opt-out) annotation for mutation: `"true"` or `"false"`. */
export const MUTATE_ANNOTATION = 'oomguard.io/mutate';

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: { readonly group?: string; readonly version?: string; readonly kind?: string };
  readonly resource?: { readonly group?: string; readonly version?: string; readonly resource?: string };
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation?: string;
  readonly userInfo?: { readonly username?: string; readonly uid?: string; readonly groups?: readonly string[] };
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: { readonly code: number; readonly message: string; readonly reason?: string };
  readonly warnings?: readonly string[];
  readonly patch?: string;
  readonly patchType?: 'JSONPatch';
}

export type ParsedReview = { readonly ok: true; readonly request: AdmissionRequest } | { readonly ok: false; readonly status: number; readonly message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Check the envelope: an answer needs the request's uid, so anything without one is an HTTP error. */
export function readReview(body: unknown): ParsedReview {
  if (!isObject(body)) return { ok: false, status: 400, message: 'body is not a JSON object' };
  if (body.kind !== 'AdmissionReview') return { ok: false, status: 400, message: `kind is ${JSON.stringify(body.kind)}, expected "AdmissionReview"` };
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    return { ok: false, status: 400, message: `apiVersion is ${JSON.stringify(body.apiVersion)}; this webhook speaks ${ADMISSION_API_VERSION} only (set admissionReviewVersions: ["v1"])` };
  }
  const request = body.request;
  if (!isObject(request)) return { ok: false, status: 400, message: 'request is missing' };
  if (typeof request.uid !== 'string' || request.uid.length === 0) return { ok: false, status: 400, message: 'request.uid is missing' };
  return { ok: true, request: request as unknown as AdmissionRequest };
}

export function reviewOf(response: AdmissionResponse): { apiVersion: string; kind: 'AdmissionReview'; response: AdmissionResponse } {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

export interface ReviewSettings {
  readonly linter: Linter;
  readonly sizing: SizingConfig;
  /** false: audit mode, error-level findings are warnings. @default true */
  readonly enforce: boolean;
  /** Namespaces admitted without a look (the webhook's own, kube-system). */
  readonly excludeNamespaces: ReadonlySet<string>;
}

/** What the server counts and logs about one review. */
export interface ReviewOutcome {
  readonly response: AdmissionResponse;
  readonly verdict: 'allowed' | 'denied' | 'warned' | 'mutated' | 'skipped' | 'invalid';
  /** Findings by rule and what was done with them. */
  readonly findings: readonly { readonly ruleId: string; readonly severity: string; readonly action: 'denied' | 'warned' | 'audited' }[];
  readonly changes: readonly AppliedChange[];
  /** Why it was skipped, when it was. */
  readonly reason?: string;
}

/**
 * Warnings: "Warning messages over 256 characters and large numbers of warnings may be truncated"
 * (kubernetes.io, Dynamic Admission Control, Response). Each is kept within 256 characters, and at
 * most 16 are sent, the last saying how many more there were.
 */
const MAX_WARNING = 256;
const MAX_DENIALS = 10;
const MAX_WARNINGS = 16;

function boundWarnings(warnings: readonly string[]): string[] {
  const bounded = warnings.slice(0, MAX_WARNINGS).map((warning) => (warning.length > MAX_WARNING ? `${warning.slice(0, MAX_WARNING - 1)}…` : warning));
  if (warnings.length > MAX_WARNINGS) bounded[MAX_WARNINGS - 1] = `oomguard: ${warnings.length - MAX_WARNINGS + 1} more findings (run oomguard lint on the manifest)`;
  return bounded;
}

function describeObject(request: AdmissionRequest, workload: Workload | undefined): string {
  const kind = workload?.resource.kind ?? request.kind?.kind ?? 'object';
  const metadata = isObject(request.object) && isObject(request.object.metadata) ? request.object.metadata : {};
  // A Pod of a ReplicaSet has only generateName at admission (`web-6d4b75cb6d-`).
  const name = workload?.resource.name || request.name || (typeof metadata.generateName === 'string' ? `${metadata.generateName}*` : '(no name)');
  const namespace = request.namespace ?? workload?.resource.namespace;
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

function findingText(finding: Finding): string {
  return `[${finding.ruleId}] ${finding.message}`;
}

function key(finding: Finding): string {
  return `${finding.ruleId}\u0000${finding.container ?? ''}\u0000${finding.message}`;
}

function invalid(uid: string, message: string): ReviewOutcome {
  return { response: { uid, allowed: false, status: { code: 400, reason: 'BadRequest', message: `oomguard: ${message}` } }, verdict: 'invalid', findings: [], changes: [] };
}

function skip(uid: string, reason: string): ReviewOutcome {
  return { response: { uid, allowed: true }, verdict: 'skipped', findings: [], changes: [], reason };
}

/** Whether the object is owned by a controller (a Pod of a ReplicaSet, a ReplicaSet of a Deployment, a Job of a CronJob). */
function controlled(object: unknown): boolean {
  const metadata = isObject(object) ? object.metadata : undefined;
  const owners = isObject(metadata) ? metadata.ownerReferences : undefined;
  return Array.isArray(owners) && owners.some((owner) => isObject(owner) && owner.controller === true);
}

function deleting(object: unknown): boolean {
  const metadata = isObject(object) ? object.metadata : undefined;
  return isObject(metadata) && metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
}

/** Checks common to both endpoints; returns an outcome when the request needs no look at all. */
function precheck(request: AdmissionRequest, settings: ReviewSettings): ReviewOutcome | undefined {
  const { uid } = request;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return skip(uid, `operation ${String(request.operation)}`);
  // scale and status updates cannot change a container; ephemeralcontainers cannot set resources.
  if (request.subResource) return skip(uid, `subresource ${request.subResource}`);
  if (request.namespace && settings.excludeNamespaces.has(request.namespace)) return skip(uid, `namespace ${request.namespace} is excluded`);
  if (!isObject(request.object)) return invalid(uid, `request.object is missing or not an object on ${request.operation}`);
  if (request.operation === 'UPDATE' && !isObject(request.oldObject)) return invalid(uid, 'request.oldObject is missing on UPDATE');
  // Finalizers being removed from an object on its way out: blocking that would keep it forever.
  if (deleting(request.object)) return skip(uid, 'object is being deleted');
  return undefined;
}

/**
 * Validate: deny on error-level findings (naming container, rule and numbers), warn on the rest.
 *
 * On UPDATE an error the old object already had is a warning, not a denial: the update did not cause
 * it, and denying would block every label change, finalizer removal or controller write to objects
 * admitted before the webhook was installed. Any change to the numbers it names is judged anew.
 * Objects owned by a controller were judged at their owner; denying them would leave a rollout stuck
 * with only an event to say why, so their errors are warnings too.
 */
export function validate(request: AdmissionRequest, settings: ReviewSettings): ReviewOutcome {
  const early = precheck(request, settings);
  if (early) return early;
  const workloads = extractWorkloads(request.object);
  if (workloads.length === 0) return skip(request.uid, 'no pod template');
  const findings = workloads.flatMap((workload) => settings.linter.lintWorkload(workload));
  let before: Set<string> | undefined;
  if (request.operation === 'UPDATE') before = new Set(extractWorkloads(request.oldObject).flatMap((workload) => settings.linter.lintWorkload(workload)).map(key));
  const owned = controlled(request.object);
  const denials: string[] = [];
  const warnings: string[] = [];
  const counted: ReviewOutcome['findings'][number][] = [];
  for (const finding of findings) {
    if (finding.severity === 'info') continue;
    if (finding.severity === 'error') {
      if (before?.has(key(finding))) {
        warnings.push(`${findingText(finding)} (already there before this update)`);
        counted.push({ ruleId: finding.ruleId, severity: finding.severity, action: 'warned' });
      } else if (!settings.enforce) {
        warnings.push(`audit: would deny: ${findingText(finding)}`);
        counted.push({ ruleId: finding.ruleId, severity: finding.severity, action: 'audited' });
      } else if (owned) {
        warnings.push(`${findingText(finding)} (owned by a controller: judged at the owner)`);
        counted.push({ ruleId: finding.ruleId, severity: finding.severity, action: 'warned' });
      } else {
        denials.push(findingText(finding));
        counted.push({ ruleId: finding.ruleId, severity: finding.severity, action: 'denied' });
      }
    } else {
      warnings.push(findingText(finding));
      counted.push({ ruleId: finding.ruleId, severity: finding.severity, action: 'warned' });
    }
  }
  const bounded = warnings.length > 0 ? boundWarnings(warnings) : undefined;
  if (denials.length > 0) {
    // Bounded like the warnings: a pod with fifty bad containers still gets a message a person reads.
    const shown = denials.length > MAX_DENIALS ? [...denials.slice(0, MAX_DENIALS), `and ${denials.length - MAX_DENIALS} more (run oomguard lint on the manifest)`] : denials;
    const message = `oomguard denied ${describeObject(request, workloads[0])}: ${shown.join('; ')}`;
    return {
      response: { uid: request.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message }, ...(bounded ? { warnings: bounded } : {}) },
      verdict: 'denied',
      findings: counted,
      changes: [],
    };
  }
  return { response: { uid: request.uid, allowed: true, ...(bounded ? { warnings: bounded } : {}) }, verdict: bounded ? 'warned' : 'allowed', findings: counted, changes: [] };
}

/** Mutation opt-in: `namespace` for the endpoint the opted-in namespaces call (opt-out by annotation), `annotation` for the other. */
export type MutationScope = 'namespace' | 'annotation';

function annotationValue(workload: Workload): string | undefined {
  const value = workload.annotations.get(MUTATE_ANNOTATION)?.value;
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/**
 * Mutate: a JSON Patch that sets request = limit and the runtime's heap ceiling from the actual
 * limit, never denying (validation is the other webhook's job). Pods are mutated on CREATE only:
 * a running Pod's env cannot change, so a patch on UPDATE would make the API server reject it.
 */
export function mutate(request: AdmissionRequest, settings: ReviewSettings, scope: MutationScope): ReviewOutcome {
  const early = precheck(request, settings);
  if (early) return early;
  const object = request.object as Record<string, unknown>;
  if (request.operation === 'UPDATE' && object.kind === 'Pod') return skip(request.uid, 'a Pod\'s containers are immutable after creation');
  const workloads = extractWorkloads(object);
  if (workloads.length === 0) return skip(request.uid, 'no pod template');
  const choice = annotationValue(workloads[0]);
  const opted = scope === 'namespace' ? choice !== 'false' : choice === 'true';
  if (!opted) return skip(request.uid, scope === 'namespace' ? `annotation ${MUTATE_ANNOTATION}: "false"` : `no annotation ${MUTATE_ANNOTATION}: "true"`);
  const plan = planMutation(object, settings.linter, settings.sizing);
  const warnings = [
    ...plan.changes.map((change) => `oomguard set ${change.container ? `container "${change.container}": ` : ''}${change.description} (${change.ruleId})`),
    ...plan.warnings.map((warning) => `oomguard: ${warning}`),
  ];
  const bounded = warnings.length > 0 ? boundWarnings(warnings) : undefined;
  if (plan.patch.length === 0) {
    return { response: { uid: request.uid, allowed: true, ...(bounded ? { warnings: bounded } : {}) }, verdict: bounded ? 'warned' : 'allowed', findings: [], changes: [] };
  }
  return {
    response: {
      uid: request.uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(plan.patch)).toString('base64'),
      ...(bounded ? { warnings: bounded } : {}),
    },
    verdict: 'mutated',
    findings: [],
    changes: plan.changes,
  };
}
