/**
 * The serving key pair from files (a cert-manager Secret mounted as `tls.crt` / `tls.key`), checked
 * before use: a certificate and key that do not belong together (one file of a rotation written
 * before the other) are refused, and the pair in force stays in force until both match.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readBounded } from '../cli/bounded-read';

/** A certificate chain or key is a few KiB; 1 MiB leaves room for any real one. */
const MAX_PEM_BYTES = 1024 * 1024;

export interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When the leaf certificate expires, for the expiry gauge. */
  readonly notAfter: Date;
  readonly fingerprint: string;
}

export class TlsError extends Error {
  override readonly name = 'TlsError';
}

export function loadKeyPair(certFile: string, keyFile: string): KeyPair {
  let cert: Buffer;
  let key: Buffer;
  // Bounded: a PEM chain is a few KiB; a device or a huge file is refused with its name.
  const readPem = (file: string): Buffer => {
    const read = readBounded(file, MAX_PEM_BYTES);
    if (!read.ok) throw new TlsError(`${file}: ${read.message}`);
    return read.bytes;
  };
  cert = readPem(certFile);
  key = readPem(keyFile);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new TlsError(`${certFile}: not a PEM certificate (${(error as Error).message})`);
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) throw new TlsError(`${keyFile} is not the key of ${certFile}`);
    createSecureContext({ cert, key });
  } catch (error) {
    if (error instanceof TlsError) throw error;
    throw new TlsError(`${keyFile}: ${(error as Error).message}`);
  }
  return { cert, key, notAfter: new Date(leaf.validTo), fingerprint: leaf.fingerprint256 };
}
