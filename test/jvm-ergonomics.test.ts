/**
 * The JVM facts model against the real JVM: `java -XX:+PrintFlagsFinal -version` inside a real cgroup v1
 * memory cgroup of each size, with the options in JAVA_TOOL_OPTIONS as a container gets them. The
 * `MaxHeapSize` the JVM prints must be within 2% (or 2 MiB) of what oomguard says the heap is, for the
 * flags oomguard generates at every limit from 64Mi to 8Gi, and for options users write (no flags,
 * MaxRAMPercentage alone, MaxRAM, -Xmx). At most two JVMs run at once.
 */
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MIB } from '../lib/core/quantity';
import { factsOfSpec } from '../lib/facts';
import { findCgroupParent, MemoryCgroup } from '../lib/lab/cgroup';
import { settingsAt } from '../lib/sizing/formula';
import { haveCapability, haveTool } from './helpers/tools';

const parent = findCgroupParent();
const ready = haveTool('java', 'the JVM ergonomics are checked against the real JVM')
  && haveCapability(parent.ok && parent.parent.version === 1, `a writable cgroup v1 memory hierarchy is needed (${parent.ok ? `found v${parent.parent.version}` : parent.problem})`);

interface Printed {
  readonly maxHeapBytes: number;
  readonly gc: string;
}

/** Run PrintFlagsFinal in a fresh memory cgroup of `limitBytes` with `options` in JAVA_TOOL_OPTIONS. */
async function printFlags(limitBytes: number, options: string): Promise<Printed> {
  if (!parent.ok) throw new Error(parent.problem);
  const group = MemoryCgroup.create(parent.parent, limitBytes);
  try {
    const wrapped = group.wrap(['java', '-XX:+PrintFlagsFinal', '-version']);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(wrapped.file, [...wrapped.args], { env: { ...process.env, JAVA_TOOL_OPTIONS: options }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`java exited ${code} at ${limitBytes / MIB}Mi with "${options}": ${text.slice(-400)}`))));
    });
    const flag = (name: string) => new RegExp(`\\s${name}\\s+= (\\S+)`).exec(output)?.[1];
    const gc = ['UseSerialGC', 'UseG1GC', 'UseParallelGC'].find((name) => flag(name) === 'true') ?? 'unknown';
    return { maxHeapBytes: Number(flag('MaxHeapSize')), gc };
  } finally {
    await group.destroy();
  }
}

async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  }));
  return results;
}

/** What oomguard says the heap is: the facts model reading the options as the container has them. */
function modelHeap(limitBytes: number, options: string): number | undefined {
  return factsOfSpec({ image: 'eclipse-temurin:17', env: [{ name: 'JAVA_TOOL_OPTIONS', value: options }], limitBytes, runtime: 'jvm' }).jvm?.heap.bytes;
}

function assertClose(real: number, model: number | undefined, what: string): void {
  assert.ok(model !== undefined, `${what}: oomguard has no figure`);
  const tolerance = Math.max(2 * MIB, real * 0.02);
  assert.ok(Math.abs(real - model!) <= tolerance, `${what}: the JVM prints MaxHeapSize ${(real / MIB).toFixed(1)} MiB, oomguard says ${(model! / MIB).toFixed(1)} MiB`);
}

const LIMITS_MIB = [64, 128, 256, 384, 475, 512, 640, 1024, 1536, 1792, 2048, 4096, 8192];

test('generated flags take effect at every limit from 64Mi to 8Gi: PrintFlagsFinal agrees with oomguard', async () => {
  if (!ready) return;
  const cases = LIMITS_MIB.map((mib) => {
    const limitBytes = mib * MIB;
    const { budget, settings } = settingsAt(limitBytes, 'jvm');
    const options = settings[0].value;
    return { mib, limitBytes, options, budget };
  });
  const printed = await inPairs(cases.map(({ limitBytes, options }) => () => printFlags(limitBytes, options)));
  cases.forEach(({ mib, limitBytes, options, budget }, index) => {
    const real = printed[index].maxHeapBytes;
    assertClose(real, modelHeap(limitBytes, options), `${mib}Mi "${options}"`);
    // The heap the JVM really takes stays inside the budget (or at the 16 MiB minimum when the limit is too small).
    if (!budget.tooSmall) assert.ok(real <= budget.heapBytes, `${mib}Mi: heap ${real / MIB} MiB above the ${budget.heapBytes / MIB} MiB budget`);
    else assert.is(real, 16 * MIB, `${mib}Mi: the minimum heap`);
    // The collector the overhead model assumed is the one the JVM picked (Serial below 1792 MiB on 2+ CPUs).
    assert.is(printed[index].gc, mib < 1792 ? 'UseSerialGC' : 'UseG1GC', `${mib}Mi collector`);
  });
});

test('legacy -Xmx flags and the options people write: PrintFlagsFinal agrees with the lint model', async () => {
  if (!ready) return;
  const cases: [number, string][] = [
    // MaxRAMPercentage alone below ~526 MiB: the JVM keeps its 126 MiB default, not 15.7% (75 MiB).
    [475, '-XX:MaxRAMPercentage=15.7'],
    [475, ''],
    [300, '-XX:MinRAMPercentage=10'],
    [2000, ''],
    // MaxRAM replaces the container size: 50% of 8g in a 1Gi container.
    [1024, '-XX:MaxRAM=8g -XX:MaxRAMPercentage=50'],
    [1024, '-XX:MaxRAMFraction=2'],
    [1024, '-Xmx301m'],
    [1024, '-Xms600m'],
    [1024, '-XX:+UseG1GC -Xmx4097m'],
    [4000, '-XX:MaxRAMPercentage=77.7 -XX:MinRAMPercentage=77.7'],
    [1024, settingsAt(1024 * MIB, 'jvm', undefined, { legacy: true }).settings[0].value],
  ];
  const printed = await inPairs(cases.map(([mib, options]) => () => printFlags(mib * MIB, options)));
  cases.forEach(([mib, options], index) => assertClose(printed[index].maxHeapBytes, modelHeap(mib * MIB, options), `${mib}Mi "${options}"`));
  assert.is(printed[0].maxHeapBytes, 126 * MIB, 'the 126 MiB floor the old MaxRAMPercentage-only flags hit');
});

test.run();
