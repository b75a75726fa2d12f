/**
 * Real-world manifests written by others (../shared/corpus, see its SOURCES.md): the whole corpus
 * lints without a crash, every finding has a line, and a few findings are pinned exactly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { haveCapability } from './helpers/tools';

const ROOT = join(__dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const present = haveCapability(existsSync(CORPUS), `the shared corpus is not at ${CORPUS}`);

function lintJson(paths: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'oomguard.js'), 'lint', '-f', 'json', ...paths], { cwd: CORPUS, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  assert.is(result.error, undefined);
  assert.is(result.stderr, '');
  return { status: result.status, output: JSON.parse(result.stdout) };
}

if (present) {
  test('the whole corpus lints without a crash; every finding has a line within its file', () => {
    const { status, output } = lintJson(['.']);
    assert.is(status, 2); // five files hold duplicate keys, which Kubernetes rejects too
    assert.ok(output.summary.workloads > 100, `workloads: ${output.summary.workloads}`);
    const lineCounts = new Map<string, number>();
    for (const finding of output.findings) {
      if (!lineCounts.has(finding.file)) lineCounts.set(finding.file, readFileSync(join(CORPUS, finding.file), 'utf8').split('\n').length);
      assert.ok(Number.isInteger(finding.line) && finding.line >= 1 && finding.line <= lineCounts.get(finding.file)!, `${finding.file}:${finding.line}`);
    }
    const refused = 'Kubernetes refuses this; linted with the last value';
    assert.equal(output.errors.map((e: any) => `${e.file}:${e.line} ${e.message}`), [
      `kubernetes__examples/_archived/openshift-origin/etcd-controller.yaml:12 duplicated mapping key "selector": ${refused}`,
      `kubernetes__examples/_archived/openshift-origin/openshift-controller.yaml:12 duplicated mapping key "selector": ${refused}`,
      `spring-petclinic__spring-petclinic-cloud/k8s/customers-service-deployment.yaml:62 duplicated mapping key "resources": ${refused}`,
      `spring-petclinic__spring-petclinic-cloud/k8s/vets-service-deployment.yaml:61 duplicated mapping key "resources": ${refused}`,
      `spring-petclinic__spring-petclinic-cloud/k8s/visits-service-deployment.yaml:61 duplicated mapping key "resources": ${refused}`,
    ]);
  });

  test('Spring Petclinic: a repeated key is an error, and the JVM services are linted with the value Kubernetes reads (the last resources: {})', () => {
    const files = ['customers', 'vets', 'visits'].map((name) => `spring-petclinic__spring-petclinic-cloud/k8s/${name}-service-deployment.yaml`);
    const { status, output } = lintJson(files);
    assert.is(status, 2);
    assert.equal(output.errors.map((e: any) => `${e.file.replace(/^.*\//, '')}:${e.line}`), ['customers-service-deployment.yaml:62', 'vets-service-deployment.yaml:61', 'visits-service-deployment.yaml:61']);
    // The last `resources: {}` wins (go-yaml v2 overwrites a repeated key), so no memory limit is set;
    // the image is a Spring Boot JVM service with no heap flag.
    assert.equal(output.findings.map((f: any) => `${f.file.replace(/^.*\//, '')}:${f.line} ${f.ruleId} ${f.container}`), [
      'customers-service-deployment.yaml:22 memory-limit-missing customers-service',
      'customers-service-deployment.yaml:22 jvm-heap-unset customers-service',
      'customers-service-deployment.yaml:25 startup-probe-missing customers-service',
      'vets-service-deployment.yaml:21 memory-limit-missing vets-service',
      'vets-service-deployment.yaml:21 jvm-heap-unset vets-service',
      'vets-service-deployment.yaml:24 startup-probe-missing vets-service',
      'visits-service-deployment.yaml:21 memory-limit-missing visits-service',
      'visits-service-deployment.yaml:21 jvm-heap-unset visits-service',
      'visits-service-deployment.yaml:24 startup-probe-missing visits-service',
    ]);
  });

  test('microservices demo: every service requests less memory than its limit', () => {
    const { output } = lintJson(['GoogleCloudPlatform__microservices-demo/kubernetes-manifests']);
    const below = output.findings.filter((f: any) => f.ruleId === 'memory-request-not-equal-limit')
      .map((f: any) => `${f.resource.name}/${f.container} ${f.file.replace(/^.*\//, '')}:${f.line}`);
    assert.equal(below, [
      'adservice/server adservice.yaml:55', 'cartservice/server cartservice.yaml:55', 'redis-cart/redis cartservice.yaml:138',
      'checkoutservice/server checkoutservice.yaml:72', 'currencyservice/server currencyservice.yaml:64', 'emailservice/server emailservice.yaml:65',
      'frontend/server frontend.yaml:103', 'loadgenerator/main loadgenerator.yaml:91', 'paymentservice/server paymentservice.yaml:63',
      'productcatalogservice/server productcatalogservice.yaml:63', 'recommendationservice/server recommendationservice.yaml:67',
      'shippingservice/server shippingservice.yaml:63',
    ]);
    const adservice = output.findings.find((f: any) => f.resource.name === 'adservice' && f.ruleId === 'memory-request-not-equal-limit');
    assert.is(adservice.message, 'container "server" requests 180Mi of memory but is limited to 300Mi: set the request equal to the limit so the node cannot be overcommitted');
    // the load generator's init container has no limit at all
    assert.equal(output.findings.filter((f: any) => f.ruleId === 'memory-limit-missing').map((f: any) => `${f.resource.name}/${f.container}:${f.line}`), ['loadgenerator/frontend-check:41']);
  });

  test('OpenTelemetry demo: Grafana sets GOMEMLIMIT to its whole limit, the collector above limit minus overhead', () => {
    const { output } = lintJson(['open-telemetry__opentelemetry-demo/kubernetes/opentelemetry-demo.yaml']);
    const go = output.findings.filter((f: any) => f.ruleId === 'go-memlimit-exceeds-limit').map((f: any) => `${f.line} ${f.message}`);
    assert.ok(go.includes('5110 container "grafana" sets GOMEMLIMIT from resourceFieldRef limits.memory (150Mi), above limit 150Mi - 50Mi Go overhead = 100Mi'), go.join('\n'));
    assert.ok(go.includes('5332 container "opentelemetry-collector" sets GOMEMLIMIT=160MiB (160Mi), above limit 200Mi - 50Mi Go overhead = 150Mi'), go.join('\n'));
  });
}

test.run();
