/**
 * `oomguard webhook serve`: the HTTPS server the API server calls.
 *
 *   POST /validate           ValidatingWebhookConfiguration: deny on error-level findings, warn on the rest
 *   POST /mutate             MutatingWebhookConfiguration, every namespace: mutate objects annotated
 *                            `oomguard.io/mutate: "true"`
 *   POST /mutate/namespace   MutatingWebhookConfiguration, namespaces labelled `oomguard.io/mutate=enabled`:
 *                            mutate unless annotated `oomguard.io/mutate: "false"`
 *   GET  /healthz /readyz /metrics
 *
 * Bad requests get an HTTP error, never a crash: bodies are bounded (Content-Length checked before a
 * byte is read, chunked bodies counted), slow clients are cut off by handshake, header and request
 * timeouts. Configuration and key pair are re-read when their files change. close() stops taking
 * connections, fails /readyz, lets the reviews in flight finish, then closes what is left.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from './log';
import { createMetrics, type WebhookMetrics } from './metrics';
import { loadSettings, type WebhookOptions } from './config';
import { mutate, readReview, reviewOf, validate, type ReviewOutcome, type ReviewSettings, type AdmissionRequest } from './review';
import { loadKeyPair, type KeyPair } from './tls';
import { DEFAULT_POLL_MS, watchFiles, type Watched } from './watch';

/**
 * The API server refuses request bodies over 3 MiB (apiserver `MaxRequestBodyBytes`), so no object
 * it admits is larger; an UPDATE review carries the object and the old object, hence two of those
 * and room for the envelope. Anything larger did not come from an API server.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 2 * 3 * 1024 * 1024 + 64 * 1024;

export interface ServeOptions extends WebhookOptions {
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** @default '0.0.0.0' */
  readonly address?: string;
  /** 0 picks a free port. @default 8443 */
  readonly port?: number;
  /** How often the config and key pair files are polled for changes. @default 2000 */
  readonly pollMs?: number;
  /** @default DEFAULT_MAX_REQUEST_BYTES */
  readonly maxRequestBytes?: number;
  /**
   * Whole request (headers and body) must arrive within this. The API server's own timeout for a
   * webhook call is at most 30 s (timeoutSeconds); a client slower than that is not an API server.
   * @default 10000
   */
  readonly requestTimeoutMs?: number;
  /** @default 5000 */
  readonly headersTimeoutMs?: number;
  /** TLS handshake. @default 5000 */
  readonly handshakeTimeoutMs?: number;
  /**
   * Idle keep-alive connections are kept this long: longer than the API server's webhook client
   * keeps them idle would make it race our close on every reuse. @default 90000 (Go's http.Transport IdleConnTimeout)
   */
  readonly keepAliveTimeoutMs?: number;
  /**
   * On close(), keep answering this long with /readyz failing before the listener closes: the
   * endpoint's removal takes a moment to reach the API server and kube-proxy, and a connection
   * refused in that window is a failed call (failurePolicy). @default 0
   */
  readonly shutdownDelayMs?: number;
  /** After the delay, reviews in flight get this long to finish. @default 20000 */
  readonly shutdownGraceMs?: number;
  readonly logger?: Logger;
  /** Process metrics (CPU, memory, event loop) in /metrics. @default true */
  readonly processMetrics?: boolean;
}

export interface WebhookServer {
  readonly port: number;
  readonly metrics: WebhookMetrics;
  /** The settings in force (changes on reload). */
  settings(): ReviewSettings;
  ready(): boolean;
  /** Graceful: resolves when every connection is closed. */
  close(): Promise<void>;
}

type Endpoint = 'validate' | 'mutate' | 'mutate-namespace';

const ENDPOINTS: Record<string, Endpoint> = { '/validate': 'validate', '/mutate': 'mutate', '/mutate/namespace': 'mutate-namespace' };

/**
 * Label values taken from a request are bounded: anyone who can reach the Service can send any kind,
 * and every new label value is a new time series kept for the life of the process.
 */
const KNOWN_KINDS = new Set(['Pod', 'PodTemplate', 'ReplicationController', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Rollout']);
const KNOWN_OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

function kindLabel(kind: unknown): string {
  return typeof kind === 'string' && KNOWN_KINDS.has(kind) ? kind : 'other';
}

function operationLabel(operation: unknown): string {
  return typeof operation === 'string' && KNOWN_OPERATIONS.has(operation) ? operation : 'other';
}

function sendJson(response: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
  response.end(text);
}

/** An HTTP error in the shape the API server logs: a meta/v1 Status. */
function sendStatus(response: ServerResponse, code: number, message: string, close = false): void {
  sendJson(response, code, { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, message: `oomguard: ${message}` }, close);
}

export async function startWebhook(options: ServeOptions): Promise<WebhookServer> {
  const logger = options.logger ?? createLogger('info');
  const metrics = createMetrics({ processMetrics: options.processMetrics });
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  let settings = loadSettings(options);
  let pair: KeyPair = loadKeyPair(options.tlsCert, options.tlsKey);
  metrics.certificateExpiry.set(pair.notAfter.getTime() / 1000);
  let closing = false;
  let listening = false;

  const server: Server = createServer({
    cert: pair.cert,
    key: pair.key,
    minVersion: 'TLSv1.2',
    handshakeTimeout: options.handshakeTimeoutMs ?? 5000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    headersTimeout: options.headersTimeoutMs ?? 5000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 90_000,
    // Node checks the two timeouts above on this interval (30 s by default, too coarse for a 5 s limit).
    connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs ?? 5000),
    maxHeaderSize: 16 * 1024,
  });
  server.on('tlsClientError', (error, socket) => {
    // With a listener, Node leaves the socket open: a client that never finishes its handshake would stay.
    socket.destroy();
    metrics.requestErrors.inc({ reason: (error as NodeJS.ErrnoException).code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'tls-timeout' : 'tls' });
    logger.log('debug', 'TLS handshake failed', { error: error.message });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Header timeouts, malformed HTTP, oversized headers: answer if the socket still takes bytes.
    const reason = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : 'malformed-http';
    metrics.requestErrors.inc({ reason });
    logger.log('debug', 'client error', { error: error.message, code: error.code });
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      const status = reason === 'timeout' ? '408 Request Timeout' : reason === 'headers-too-large' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    } else socket.destroy();
  });

  function logOutcome(endpoint: Endpoint, request: AdmissionRequest, outcome: ReviewOutcome, ms: number): void {
    const level = outcome.verdict === 'allowed' || outcome.verdict === 'skipped' ? 'debug' : 'info';
    if (!logger.enabled(level)) return;
    const object = request.object as { metadata?: { name?: string; generateName?: string } } | undefined;
    logger.log(level, 'review', {
      endpoint,
      uid: request.uid,
      operation: request.operation,
      kind: request.kind?.kind,
      namespace: request.namespace,
      name: request.name || object?.metadata?.name || object?.metadata?.generateName,
      user: request.userInfo?.username,
      dryRun: request.dryRun === true,
      verdict: outcome.verdict,
      allowed: outcome.response.allowed,
      ...(outcome.findings.length > 0 ? { rules: [...new Set(outcome.findings.map((finding) => finding.ruleId))] } : {}),
      ...(outcome.changes.length > 0 ? { changes: outcome.changes } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.response.status ? { message: outcome.response.status.message } : {}),
      durationMs: Math.round(ms * 1000) / 1000,
    });
  }

  function answer(endpoint: Endpoint, body: Buffer, response: ServerResponse, started: bigint): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      metrics.requestErrors.inc({ reason: 'malformed-json' });
      logger.log('warn', 'malformed review', { endpoint, error: (error as Error).message });
      sendStatus(response, 400, `body is not JSON: ${(error as Error).message}`);
      return;
    }
    const review = readReview(parsed);
    if (!review.ok) {
      metrics.requestErrors.inc({ reason: 'not-a-review' });
      logger.log('warn', 'malformed review', { endpoint, error: review.message });
      sendStatus(response, review.status, review.message);
      return;
    }
    const { request } = review;
    let outcome: ReviewOutcome;
    try {
      outcome = endpoint === 'validate' ? validate(request, settings) : mutate(request, settings, endpoint === 'mutate' ? 'annotation' : 'namespace');
    } catch (error) {
      // A bug, not a verdict: an HTTP error lets the API server apply the configured failurePolicy.
      metrics.requestErrors.inc({ reason: 'internal' });
      logger.log('error', 'review failed', { endpoint, uid: request.uid, error: (error as Error).stack ?? String(error) });
      sendStatus(response, 500, `internal error: ${(error as Error).message}`);
      return;
    }
    // While shutting down, the answer says `connection: close`, so the client sends nothing more on this connection.
    sendJson(response, 200, reviewOf(outcome.response), closing);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.duration.observe({ endpoint }, seconds);
    metrics.reviews.inc({ endpoint, operation: operationLabel(request.operation), kind: kindLabel(request.kind?.kind), verdict: outcome.verdict, dry_run: request.dryRun === true ? 'true' : 'false' });
    for (const finding of outcome.findings) metrics.findings.inc({ rule: finding.ruleId, severity: finding.severity, action: finding.action });
    logOutcome(endpoint, request, outcome, seconds * 1000);
  }

  function review(endpoint: Endpoint, request: IncomingMessage, response: ServerResponse): void {
    const started = process.hrtime.bigint();
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      metrics.requestErrors.inc({ reason: 'content-type' });
      sendStatus(response, 415, `content-type ${JSON.stringify(type)}: send application/json`, true);
      request.resume();
      return;
    }
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      metrics.requestErrors.inc({ reason: 'too-large' });
      logger.log('warn', 'request too large', { endpoint, bytes: Number(declared), limit: maxBytes });
      // Not a byte of it is read: answer and close the connection.
      sendStatus(response, 413, `request body of ${declared} bytes is over the ${maxBytes}-byte limit`, true);
      response.on('finish', () => request.socket.destroySoon());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    metrics.inFlight.inc();
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        metrics.inFlight.dec();
      }
    };
    response.on('close', finish);
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        metrics.requestErrors.inc({ reason: 'too-large' });
        logger.log('warn', 'request too large', { endpoint, bytes: size, limit: maxBytes });
        sendStatus(response, 413, `request body is over the ${maxBytes}-byte limit`, true);
        response.on('finish', () => request.socket.destroySoon());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      answer(endpoint, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), response, started);
      finish();
    });
    request.on('error', () => finish());
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    const endpoint = ENDPOINTS[path];
    if (endpoint) {
      if (request.method !== 'POST') {
        metrics.requestErrors.inc({ reason: 'method' });
        response.setHeader('allow', 'POST');
        sendStatus(response, 405, `${request.method} ${path}: use POST`);
        request.resume();
        return;
      }
      review(endpoint, request, response);
    } else if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz' && (request.method === 'GET' || request.method === 'HEAD')) {
      const ok = listening && !closing;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : closing ? 'shutting down\n' : 'starting\n');
    } else if (path === '/metrics' && request.method === 'GET') {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => sendStatus(response, 500, error.message),
      );
    } else {
      sendStatus(response, 404, `no such endpoint ${path}`);
      request.resume();
    }
    response.on('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });

  const watchers: Watched[] = [];
  if (options.configFile) {
    const file = options.configFile;
    watchers.push(watchFiles([file], pollMs, () => {
      try {
        settings = loadSettings(options);
        metrics.reloads.inc({ file: 'config', result: 'ok' });
        logger.log('info', 'configuration reloaded', { file, enforce: settings.enforce });
      } catch (error) {
        metrics.reloads.inc({ file: 'config', result: 'error' });
        logger.log('error', 'configuration not reloaded: keeping the one in force', { file, error: (error as Error).message });
      }
      return true;
    }));
  }
  let lastTlsError = '';
  watchers.push(watchFiles([options.tlsCert, options.tlsKey], pollMs, () => {
    try {
      const next = loadKeyPair(options.tlsCert, options.tlsKey);
      server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
      pair = next;
      lastTlsError = '';
      metrics.certificateExpiry.set(pair.notAfter.getTime() / 1000);
      metrics.reloads.inc({ file: 'certificate', result: 'ok' });
      logger.log('info', 'certificate reloaded', { fingerprint: pair.fingerprint, notAfter: pair.notAfter.toISOString() });
      return true;
    } catch (error) {
      // Half a rotation (the certificate written, the key not yet): keep serving the old pair, try again.
      if ((error as Error).message !== lastTlsError) {
        lastTlsError = (error as Error).message;
        metrics.reloads.inc({ file: 'certificate', result: 'error' });
        logger.log('warn', 'certificate not reloaded: keeping the pair in force', { error: lastTlsError });
      }
      return false;
    }
  }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, options.address ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  listening = true;
  const port = (server.address() as AddressInfo).port;
  logger.log('info', 'listening', { address: options.address ?? '0.0.0.0', port, enforce: settings.enforce, config: options.configFile ?? null, excludeNamespaces: [...settings.excludeNamespaces] });

  let closed: Promise<void> | undefined;
  return {
    port,
    metrics,
    settings: () => settings,
    ready: () => listening && !closing,
    close() {
      if (closed) return closed;
      closing = true;
      for (const watcher of watchers) watcher.stop();
      const delay = options.shutdownDelayMs ?? 0;
      closed = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => new Promise<void>((resolve) => {
        logger.log('info', 'shutting down: finishing reviews in flight');
        const deadline = setTimeout(() => {
          logger.log('warn', 'shutdown grace over: closing the connections left');
          server.closeAllConnections();
        }, options.shutdownGraceMs ?? 20_000);
        deadline.unref();
        // close() stops accepting and (Node 19+) closes idle keep-alive connections; busy ones close
        // once their response is written (the request handler above calls closeIdleConnections).
        server.close(() => {
          clearTimeout(deadline);
          logger.log('info', 'stopped');
          resolve();
        });
        server.closeIdleConnections();
      }));
      if (delay > 0) logger.log('info', 'draining: not ready, still answering', { delayMs: delay });
      return closed;
    },
  };
}
