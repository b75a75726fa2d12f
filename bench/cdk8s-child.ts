/**
 * One cdk8s app of N Deployments, synthesized to YAML in this process: `plus` builds them from plain
 * cdk8s-plus Deployments (memory request = limit set by hand), `oomguard` from MemorySafeDeployment.
 */
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';

const [mode, countText] = process.argv.slice(2);
const count = Number(countText ?? 200);
const app = new App({ outdir: '/dev/null' });
const chart = new Chart(app, 'bench');
if (mode === 'oomguard') {
  const { MemorySafeDeployment, Runtime } = require('../lib/cdk8s') as typeof import('../lib/cdk8s');
  const runtimes = [Runtime.JVM, Runtime.NODE, Runtime.GO, Runtime.PYTHON];
  for (let index = 0; index < count; index++) {
    new MemorySafeDeployment(chart, `svc-${index}`, { image: `example/svc-${index}:1.0`, runtime: runtimes[index % 4], peakMemory: Size.mebibytes(100 + index), port: 8080 });
  }
} else {
  for (let index = 0; index < count; index++) {
    const deployment = new kplus.Deployment(chart, `svc-${index}`, { securityContext: { ensureNonRoot: false } });
    const memory = Size.mebibytes(250 + index);
    deployment.addContainer({
      image: `example/svc-${index}:1.0`,
      portNumber: 8080,
      resources: { memory: { request: memory, limit: memory } },
      liveness: kplus.Probe.fromHttpGet('/livez', { port: 8080 }),
      readiness: kplus.Probe.fromHttpGet('/readyz', { port: 8080 }),
      securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false },
    });
  }
}
const yaml = app.synthYaml();
process.stdout.write(`${yaml.length}\n`);
