import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GIB, MIB, ceilToMiB, compareQuantities, describeBytes, formatQuantity, parseGoMemLimit, parseMilli, parseQuantity } from '../lib/core/quantity';

const bytes = (text: unknown) => {
  const parsed = parseQuantity(text);
  if (!parsed.ok) throw new Error(`${String(text)}: ${parsed.reason}`);
  return parsed.bytes;
};
const reason = (text: unknown) => {
  const parsed = parseQuantity(text);
  assert.not.ok(parsed.ok, `${String(text)} should be rejected`);
  return (parsed as { reason: string }).reason;
};

test('binary suffixes', () => {
  assert.is(bytes('1Ki'), 1024);
  assert.is(bytes('512Mi'), 512 * MIB);
  assert.is(bytes('1Gi'), GIB);
  assert.is(bytes('2Ti'), 2 * 1024 * GIB);
  assert.is(bytes('1Pi'), 2 ** 50);
  assert.is(bytes('1Ei'), 2 ** 60);
});

test('decimal suffixes, exponents and plain numbers', () => {
  assert.is(bytes('1k'), 1000);
  assert.is(bytes('500M'), 500_000_000);
  assert.is(bytes('1G'), 1e9);
  assert.is(bytes('1T'), 1e12);
  assert.is(bytes('1e9'), 1e9);
  assert.is(bytes('1E9'), 1e9);
  assert.is(bytes('12e-1'), 2); // 1.2 bytes rounds up
  assert.is(bytes('134217728'), 128 * MIB);
  assert.is(bytes(134217728), 128 * MIB);
  assert.is(bytes('+1Gi'), GIB);
  assert.is(bytes('0'), 0);
});

test('fractions and millis round up to whole bytes, like Quantity.Value()', () => {
  assert.is(bytes('0.5Gi'), 512 * MIB);
  assert.is(bytes('1.5Gi'), 1536 * MIB);
  assert.is(bytes('.5Ki'), 512);
  assert.is(bytes('1.Ki'), 1024);
  assert.is(bytes('100m'), 1);
  assert.is(bytes('1500m'), 2);
  assert.is(bytes('0.1'), 1);
});

test('1Gi equals 1024Mi equals 1073741824', () => {
  assert.is(bytes('1Gi'), bytes('1024Mi'));
  assert.is(bytes('1Gi'), bytes('1073741824'));
});

test('rejects what the API server rejects, saying why', () => {
  assert.match(reason('512MB'), /unit "MB"/);
  assert.match(reason('512mb'), /unit "mb"/);
  assert.match(reason('1.5 Gi'), /whitespace/);
  assert.match(reason(' 1Gi'), /whitespace/);
  assert.match(reason('-1Gi'), /negative/);
  assert.match(reason('1GiB'), /unit "GiB"/);
  assert.match(reason(''), /empty/);
  assert.match(reason('Gi'), /not a Kubernetes quantity/);
  assert.match(reason('1..5Gi'), /not a Kubernetes quantity/);
  assert.match(reason('1e'), /not a Kubernetes quantity/);
  assert.match(reason(null), /string or a number/);
  assert.match(reason(true), /string or a number/);
  assert.match(reason('99999999999Ei'), /too large/);
});

test('millicores for CPU comparisons', () => {
  assert.is(parseMilli('1'), 1000);
  assert.is(parseMilli('1000m'), 1000);
  assert.is(parseMilli('0.5'), 500);
  assert.is(parseMilli('250m'), 250);
  assert.is(parseMilli('x'), undefined);
});

test('GOMEMLIMIT is Go syntax, not Kubernetes syntax', () => {
  assert.equal(parseGoMemLimit('900MiB'), { ok: true, bytes: 900 * MIB });
  assert.equal(parseGoMemLimit('1GiB'), { ok: true, bytes: GIB });
  assert.equal(parseGoMemLimit('2048KiB'), { ok: true, bytes: 2 * MIB });
  assert.equal(parseGoMemLimit('1TiB'), { ok: true, bytes: 1024 * GIB });
  assert.equal(parseGoMemLimit('100B'), { ok: true, bytes: 100 });
  assert.equal(parseGoMemLimit('209715200'), { ok: true, bytes: 200 * MIB });
  assert.equal(parseGoMemLimit('off'), { ok: true, bytes: null });
  for (const bad of ['512Mi', '512M', '1.5GiB', '1GB', '-1', '', ' 1MiB', '1 MiB', '1mib']) assert.not.ok(parseGoMemLimit(bad).ok, bad);
});

test('formatting and rounding', () => {
  assert.is(formatQuantity(GIB), '1Gi');
  assert.is(formatQuantity(1000 * MIB), '1000Mi');
  assert.is(formatQuantity(1536 * MIB), '1536Mi');
  assert.is(formatQuantity(1000), '1000');
  assert.is(formatQuantity(0), '0');
  assert.is(ceilToMiB(MIB + 1), 2 * MIB);
  assert.is(ceilToMiB(MIB), MIB);
  assert.is(describeBytes(600 * MIB), '600Mi');
  assert.is(describeBytes(1.5 * MIB), '1.5Mi');
  assert.is(describeBytes(512_000_000), '488Mi');
});

test('fractional byte counts are flagged and compared exactly, never after rounding (issue #12)', () => {
  assert.equal(parseQuantity('100m'), { ok: true, bytes: 1, fractional: true });
  assert.equal(parseQuantity('0.5'), { ok: true, bytes: 1, fractional: true });
  assert.equal(parseQuantity('1.5Gi'), { ok: true, bytes: 1.5 * GIB });
  assert.equal(parseQuantity('1000m'), { ok: true, bytes: 1 });
  assert.equal(parseQuantity(0), { ok: true, bytes: 0 });
  assert.is(compareQuantities('400m', '500m'), -1, 'both round to 1 byte, yet 400m < 500m');
  assert.is(compareQuantities('500m', '400m'), 1);
  assert.is(compareQuantities('1Gi', '1024Mi'), 0);
  assert.is(compareQuantities('1000m', 1), 0);
  assert.is(compareQuantities('1e3', '1k'), 0);
  assert.is(compareQuantities('9223372036854775807', '9223372036854775806'), 1, 'exact beyond 2^53');
  assert.is(compareQuantities('512MB', '1Gi'), undefined);
});

test.run();
