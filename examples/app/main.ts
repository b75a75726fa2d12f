/**
 * oomguard's example cdk8s app: one service per runtime, each sized from a measured peak.
 * `npx cdk8s synth` at the repository root synthesizes it into examples/app/dist and runs oomguard's
 * validation plugin on the result (cdk8s.yaml). In your own app import from 'oomguard/cdk8s'.
 *
 * The peaks are the kind of figure `oomguard measure -- <command>` reports for a service under a load
 * test (cgroup peak usage); they are illustrative here, so replace them with your own measurements.
 */
import { App, Chart, Size, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { MemorySafeDeployment, MemorySafeStatefulSet, OomguardLint, Runtime, addMemorySafeContainer } from '../../lib/cdk8s';

export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // JVM: -XX:MaxRAMPercentage from the limit, merged with the options the team already sets.
    new MemorySafeDeployment(this, 'checkout', {
      name: 'checkout',
      image: 'eclipse-temurin:21-jre',
      runtime: Runtime.JVM,
      peakMemory: Size.mebibytes(420),
      port: 8080,
      replicas: 2,
      env: { JAVA_TOOL_OPTIONS: '-Dfile.encoding=UTF-8' },
      probePaths: { liveness: '/actuator/health/liveness', readiness: '/actuator/health/readiness' },
    });

    // Node.js: --max-old-space-size in NODE_OPTIONS, next to the options already there.
    new MemorySafeDeployment(this, 'storefront', {
      name: 'storefront',
      image: 'node:20-slim',
      runtime: Runtime.NODE,
      peakMemory: Size.mebibytes(180),
      port: 3000,
      replicas: 3,
      command: ['node', 'server.js'],
      env: { NODE_OPTIONS: '--enable-source-maps' },
    });

    // Go: GOMEMLIMIT in Go's own unit syntax (MiB, not Mi).
    new MemorySafeDeployment(this, 'gateway', {
      name: 'gateway',
      image: 'ghcr.io/example/gateway:1.4.2',
      runtime: Runtime.GO,
      peakMemory: Size.mebibytes(64),
      port: 8081,
      replicas: 2,
    });

    // Python: no heap flag; the limit and MALLOC_ARENA_MAX are the levers.
    new MemorySafeDeployment(this, 'recommender', {
      name: 'recommender',
      image: 'python:3.12-slim',
      runtime: Runtime.PYTHON,
      peakMemory: Size.mebibytes(300),
      port: 8000,
      command: ['gunicorn', '--bind', '0.0.0.0:8000', '--workers', '2', 'app:wsgi'],
    });

    // A StatefulSet (with its headless Service), Go again.
    new MemorySafeStatefulSet(this, 'ledger', {
      name: 'ledger',
      image: 'ghcr.io/example/ledger:2.0.0',
      runtime: Runtime.GO,
      peakMemory: Size.mebibytes(150),
      port: 7000,
      replicas: 3,
    });

    // cdk8s-plus: a sized container in a cdk8s-plus Deployment (its default resources never apply).
    const notifier = new kplus.Deployment(this, 'notifier', { metadata: { name: 'notifier' }, replicas: 1 });
    addMemorySafeContainer(notifier, {
      name: 'notifier',
      image: 'node:20-slim',
      runtime: Runtime.NODE,
      peakMemory: Size.mebibytes(120),
      portNumber: 3001,
      command: ['node', 'notifier.js'],
      securityContext: { user: 1000, group: 1000 },
    });

    // app.synth() fails on any error-level finding, even without the cdk8s CLI.
    OomguardLint.addTo(this);
  }
}

if (require.main === module) {
  const app = new App();
  new ShopChart(app, 'shop');
  app.synth();
}
