/**
 * `--bearer-token-file FILE` for the commands that talk to Prometheus (`measure --prometheus`,
 * `recommend`): one token, read through the bounded reader (a token is a few KiB; /dev/zero is not a
 * token), and a process substitution (`<(kubectl create token ...)`) works.
 */
import { readBounded } from './bounded-read';
import { UsageError } from './usage';

/** A service-account token is about 1 KiB; 64 KiB leaves room for any bearer token and none for /dev/zero. */
export const MAX_TOKEN_BYTES = 64 * 1024;

/** The token in `file`, or a UsageError naming the file (exit 2). */
export function readBearerToken(file: string): string {
  const read = readBounded(file, MAX_TOKEN_BYTES, { allowPipes: true });
  if (!read.ok) throw new UsageError(`--bearer-token-file ${file}: ${read.message.replace(/^cannot read: /, '')}`);
  const token = read.bytes.toString('utf8').trim();
  if (token === '' || /\s/.test(token)) throw new UsageError(`--bearer-token-file ${file} must hold one token (it is ${token === '' ? 'empty' : 'more than one word'})`);
  return token;
}
