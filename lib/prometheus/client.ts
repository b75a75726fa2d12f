/**
 * A small client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), enough to read
 * a workload's peak memory and a fleet's memory over a window. Answers are read as they arrive, one
 * result element at a time (lib/prometheus/stream.ts). Uses Node's global fetch; POST with a form body so long PromQL never hits a
 * URL length limit (the API accepts both, prometheus.io/docs/prometheus/latest/querying/api/).
 */

import { ResultSplitter } from './stream';

export interface PrometheusClientOptions {
  /** The server's base URL, with any path prefix (`http://prometheus:9090`, `https://host/prometheus`). */
  readonly url: string;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
  /** Extra headers, e.g. `Authorization: Bearer ...` for a proxied Prometheus. */
  readonly headers?: Readonly<Record<string, string>>;
  /** For tests and custom agents. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Called with the `warnings` of a successful answer: Thanos Query reports a store it could not reach
   * this way (a partial response), so an answer can be incomplete without being an error.
   */
  readonly onWarning?: (warning: string) => void;
}

export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  /** Unix seconds. */
  readonly time: number;
  readonly value: number;
}

/** A query the server or the network refused, with what the server said. */
export class PrometheusError extends Error {
  constructor(message: string, readonly status?: number, readonly errorType?: string) {
    super(message);
    this.name = 'PrometheusError';
  }
}

export interface PrometheusClient {
  readonly url: string;
  /** An instant query at `time` (a Date or Unix seconds; the server's now when omitted). */
  query(expr: string, time?: Date | number): Promise<VectorSample[]>;
  /** A range query (`/api/v1/query_range`): one series per label set, points `step` seconds apart. */
  queryRange(expr: string, range: RangeSpec): Promise<MatrixSeries[]>;
  /**
   * The same range query, each series handed to `each` as it arrives and then dropped: memory follows
   * one series, not the answer (a fleet's answer is tens of megabytes of JSON).
   */
  queryRangeEach(expr: string, range: RangeSpec, each: (series: MatrixSeries) => void): Promise<void>;
  /** An instant query, each sample handed to `each` (after the server has said it succeeded). */
  queryEach(expr: string, time: Date | number | undefined, each: (sample: VectorSample) => void): Promise<void>;
}

export interface RangeSpec {
  /** Unix seconds of the first and last evaluation. */
  readonly start: number;
  readonly end: number;
  /** Seconds between evaluations. */
  readonly step: number;
}

export interface MatrixSeries {
  readonly metric: Readonly<Record<string, string>>;
  /** `[unix seconds, value]` pairs in time order. */
  readonly values: readonly (readonly [number, number])[];
}

function unixSeconds(time: Date | number): string {
  return String(time instanceof Date ? time.getTime() / 1000 : time);
}

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new PrometheusError(`${JSON.stringify(options.url)} is not a URL (expected http://host:9090)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PrometheusError(`${options.url}: only http and https are supported`);
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  /**
   * POST a form to an API endpoint; hand each element of the answer's `data.result` to `each` as it
   * arrives (parsed one by one, never the whole answer at once: lib/prometheus/stream.ts), and return
   * the answer's `resultType` once the server has said it succeeded.
   */
  async function call(path: string, body: URLSearchParams, each: (element: unknown) => void): Promise<string | undefined> {
    const endpoint = new URL(path, root);
    // The server gives up when we do (the API's `timeout`, capped by its --query.timeout), instead of
    // evaluating a query nobody waits for.
    body.set('timeout', `${Math.max(1, Math.floor(timeoutMs / 1000))}s`);
    let response: Response;
    try {
      response = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(options.headers ?? {}) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error && 'cause' in error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000}s` : `${error instanceof Error ? error.message : String(error)}${cause}`;
      throw new PrometheusError(`cannot reach Prometheus at ${endpoint.href}: ${reason}`);
    }
    const refused = response.status === 401 || response.status === 403;
    let bad: string | undefined;
    const splitter = new ResultSplitter((json) => {
      let element: unknown;
      try {
        element = JSON.parse(json);
      } catch {
        bad ??= json.slice(0, 120);
        return;
      }
      if (!refused && bad === undefined) each(element);
    });
    try {
      const decoder = new TextDecoder('utf-8');
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) splitter.push(decoder.decode(chunk, { stream: true }));
      }
      splitter.push(decoder.decode());
    } catch (error) {
      if (error instanceof RangeError) throw new PrometheusError(`${endpoint.href} answered more than oomguard reads: ${error.message}`, response.status);
      // The body can time out too: a server that sends headers and then stalls.
      const reason = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${timeoutMs / 1000}s` : String(error);
      throw new PrometheusError(`cannot read the answer of Prometheus at ${endpoint.href}: ${reason}`);
    }
    const text = splitter.end();
    if (refused) {
      // What an authenticating proxy in front of Prometheus (kube-rbac-proxy, an OAuth proxy) answers.
      const said = text.trim().slice(0, 120).replace(/\s+/g, ' ');
      throw new PrometheusError(`${endpoint.href} answered HTTP ${response.status} (${response.status === 401 ? 'not authenticated' : 'not allowed'})${said ? `: ${said}` : ''}`, response.status);
    }
    let payload: { status?: string; error?: string; errorType?: string; warnings?: unknown; data?: { resultType?: string; result?: unknown } };
    try {
      if (bad !== undefined) throw new SyntaxError(bad);
      payload = JSON.parse(text);
    } catch {
      throw new PrometheusError(`${endpoint.href} answered HTTP ${response.status} with something that is not the Prometheus API (${(bad ?? text).slice(0, 120).replace(/\s+/g, ' ').trim()})`, response.status);
    }
    if (payload === null || typeof payload !== 'object' || payload.status !== 'success') {
      throw new PrometheusError(`Prometheus rejected the query (HTTP ${response.status}, ${payload?.errorType ?? 'error'}): ${payload?.error ?? 'no message'}`, response.status, payload?.errorType);
    }
    if (Array.isArray(payload.warnings) && options.onWarning) for (const warning of payload.warnings) options.onWarning(String(warning));
    // A scalar's result is itself an array ([time, value]): its two items arrive as elements.
    return payload.data?.resultType;
  }

  const toSeries = (series: { metric?: Record<string, string>; values?: [number, string | number][] }): MatrixSeries => {
    const values = series.values ?? [];
    for (const pair of values) pair[1] = Number(pair[1]);
    return { metric: series.metric ?? {}, values: values as unknown as (readonly [number, number])[] };
  };
  const toSample = (sample: { metric?: Record<string, string>; value?: [number, string] }): VectorSample => ({
    metric: sample.metric ?? {},
    time: Number(sample.value?.[0]),
    value: Number(sample.value?.[1]),
  });

  async function rangeEach(expr: string, range: RangeSpec, each: (series: MatrixSeries) => void): Promise<void> {
    const body = new URLSearchParams({ query: expr, start: String(range.start), end: String(range.end), step: String(range.step) });
    const type = await call('api/v1/query_range', body, (element) => each(toSeries(element as never)));
    if (type !== 'matrix') throw new PrometheusError(`expected a range vector from ${JSON.stringify(expr)}, got ${type}`);
  }

  async function instantEach(expr: string, time: Date | number | undefined, each: (sample: VectorSample) => void): Promise<void> {
    const body = new URLSearchParams({ query: expr });
    if (time !== undefined) body.set('time', unixSeconds(time));
    // Samples are handed on as they arrive: Prometheus writes `status` before `data`, and a caller
    // whose query then fails drops what it gathered.
    const scalar: unknown[] = [];
    const type = await call('api/v1/query', body, (element) => {
      if (element !== null && typeof element === 'object' && !Array.isArray(element)) each(toSample(element as never));
      else scalar.push(element);
    });
    if (type === 'scalar' && scalar.length === 2) {
      each({ metric: {}, time: Number(scalar[0]), value: Number(scalar[1]) });
      return;
    }
    if (type !== 'vector') throw new PrometheusError(`expected an instant vector from ${JSON.stringify(expr)}, got ${type}`);
  }

  return {
    url: base.href,
    queryRangeEach: rangeEach,
    queryEach: instantEach,
    async queryRange(expr, range) {
      const result: MatrixSeries[] = [];
      await rangeEach(expr, range, (series) => result.push(series));
      return result;
    },
    async query(expr, time) {
      const result: VectorSample[] = [];
      await instantEach(expr, time, (sample) => result.push(sample));
      return result;
    },
  };
}
