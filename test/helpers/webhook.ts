/**
 * For the webhook tests and bench: a real CA and serving certificates made with openssl (as
 * cert-manager makes them: a CA issues the leaf), AdmissionReviews shaped the way kube-apiserver
 * sends them, and an HTTPS client that trusts only that CA.
 */
import { Agent, request as httpsRequest } from 'node:https';

import { makePki as makeBenchPki, type Pki } from '../../bench/admission';
import { haveTool } from './tools';

export { admissionReview, issueLeaf, type Pki, type ReviewOptions } from '../../bench/admission';

/** The test CA and serving certificate; openssl is required (a loud failure, never a silent skip). */
export function makePki(): Pki {
  if (!haveTool('openssl', 'makes the webhook tests\' CA and serving certificates')) throw new Error('openssl is required for the webhook tests');
  return makeBenchPki();
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: any;
  readonly fingerprint?: string;
}

/** POST (or GET) over HTTPS to 127.0.0.1, trusting only `ca`. */
export function call(port: number, ca: Buffer, path: string, body?: unknown, options: { method?: string; agent?: Agent; contentType?: string; raw?: Buffer | string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const request = httpsRequest({
      host: '127.0.0.1', port, path, method: options.method ?? (payload === undefined ? 'GET' : 'POST'), ca, servername: 'localhost',
      agent: options.agent ?? false,
      headers: payload === undefined ? {} : { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (response) => {
      const chunks: Buffer[] = [];
      const fingerprint = (response.socket as import('node:tls').TLSSocket).getPeerCertificate?.()?.fingerprint256;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json, fingerprint });
      });
    });
    request.on('error', reject);
    if (payload !== undefined) request.write(payload);
    request.end();
  });
}

/** The JSON Patch of an AdmissionReview response, decoded. */
export function patchOf(reply: Reply): any[] {
  const patch = reply.json?.response?.patch;
  return patch ? JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) : [];
}
