/**
 * Prometheus metrics with prom-client, on a registry of the server's own (two servers in one process,
 * as in the tests, do not share counters).
 *
 * Names follow Prometheus' conventions (`_total` counters, `_seconds` histograms). Label values are
 * bounded: verdicts, rule ids, operations and the kinds the webhook configuration routes here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WebhookMetrics {
  readonly registry: Registry;
  readonly reviews: Counter<'endpoint' | 'operation' | 'kind' | 'verdict' | 'dry_run'>;
  readonly findings: Counter<'rule' | 'severity' | 'action'>;
  readonly duration: Histogram<'endpoint'>;
  readonly requestErrors: Counter<'reason'>;
  readonly reloads: Counter<'file' | 'result'>;
  readonly certificateExpiry: Gauge;
  readonly inFlight: Gauge;
}

/**
 * Buckets from 0.25 ms: a review takes well under a millisecond of CPU (bench/webhook.ts), and the
 * API server's timeout (timeoutSeconds) is the top that matters.
 */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: { processMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'oomguard_webhook_' });
  const registers = [registry];
  return {
    registry,
    reviews: new Counter({ name: 'oomguard_webhook_reviews_total', help: 'AdmissionReviews answered, by endpoint, operation, kind and verdict.', labelNames: ['endpoint', 'operation', 'kind', 'verdict', 'dry_run'], registers }),
    findings: new Counter({ name: 'oomguard_webhook_findings_total', help: 'Findings in answered reviews, by rule, severity and what was done (denied, warned, audited).', labelNames: ['rule', 'severity', 'action'], registers }),
    duration: new Histogram({ name: 'oomguard_webhook_review_duration_seconds', help: 'Time from the request\'s last byte to the answer written, by endpoint.', labelNames: ['endpoint'], buckets: BUCKETS, registers }),
    requestErrors: new Counter({ name: 'oomguard_webhook_request_errors_total', help: 'Requests answered with an HTTP error (malformed, oversized, slow, wrong method).', labelNames: ['reason'], registers }),
    reloads: new Counter({ name: 'oomguard_webhook_reloads_total', help: 'Reloads of the configuration and the serving certificate, by result.', labelNames: ['file', 'result'], registers }),
    certificateExpiry: new Gauge({ name: 'oomguard_webhook_certificate_expiry_timestamp_seconds', help: 'When the serving certificate in use expires (Unix time).', registers }),
    inFlight: new Gauge({ name: 'oomguard_webhook_reviews_in_flight', help: 'Reviews being read or answered.', registers }),
  };
}
