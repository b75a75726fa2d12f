/**
 * A synthetic fleet for benchmarks: `files` files of `perFile` Deployments each, with varied runtimes,
 * heap flags, probes and a share of mistakes (so findings are produced and printed, as in real use).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { join } from 'node:path';

const RUNTIMES = [
  { image: 'eclipse-temurin:17-jre', env: (i: number) => [{ name: 'JAVA_TOOL_OPTIONS', value: i % 7 === 0 ? '-Xmx2g' : '-XX:+UseContainerSupport -XX:MaxRAMPercentage=60.0' }] },
  { image: 'node:20-alpine', env: (i: number) => (i % 5 === 0 ? [] : [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=409' }]) },
  { image: 'registry.example.com/go-svc:1.4.2', env: (i: number) => [{ name: 'GOMEMLIMIT', value: i % 11 === 0 ? '512Mi' : '462MiB' }] },
  { image: 'python:3.12-slim', env: () => [{ name: 'PYTHONUNBUFFERED', value: '1' }] },
  { image: 'nginx:1.27', env: () => [] },
];

function deployment(index: number): string {
  const runtime = RUNTIMES[index % RUNTIMES.length];
  const env = runtime.env(index);
  const request = index % 4 === 0 ? '256Mi' : '512Mi';
  const probes = index % 6 === 0 ? '' : `
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 10
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 5
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            failureThreshold: 30`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${index}
  namespace: team-${index % 20}
  labels:
    app.kubernetes.io/name: svc-${index}
    app.kubernetes.io/part-of: fleet
  annotations:
    oomguard.io/peak-rss: ${200 + (index % 50)}Mi
spec:
  replicas: ${1 + (index % 3)}
  selector:
    matchLabels:
      app.kubernetes.io/name: svc-${index}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: svc-${index}
    spec:
      containers:
        - name: app
          image: ${runtime.image}
          ports:
            - name: http
              containerPort: 8080
          env:${env.map((e) => `\n            - name: ${e.name}\n              value: "${e.value}"`).join('')}
            - name: LOG_LEVEL
              value: info
          resources:
            requests:
              cpu: 100m
              memory: ${request}
            limits:
              memory: 512Mi${probes}
`;
}

const HEAVY_RUNTIMES = [
  { image: 'eclipse-temurin:17-jre', env: 'JAVA_OPTS', value: '-Dfile.encoding=UTF-8' },
  { image: 'node:20-alpine', env: 'NODE_ENV', value: 'production' },
  { image: 'registry.example.com/go-svc:1.4.2', env: 'GOGC', value: '100' },
];

/**
 * A findings-heavy Deployment: two containers, four findings each time (the app's heap or
 * GOMEMLIMIT unset, its request below its limit, its liveness and readiness probes identical; the
 * proxy without a memory limit), as a fleet that has never been linted looks.
 */
function heavyDeployment(index: number): string {
  const runtime = HEAVY_RUNTIMES[index % HEAVY_RUNTIMES.length];
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-${index}
  namespace: team-${index % 20}
  labels:
    app.kubernetes.io/name: api-${index}
spec:
  replicas: ${1 + (index % 3)}
  selector:
    matchLabels:
      app.kubernetes.io/name: api-${index}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: api-${index}
    spec:
      containers:
        - name: app
          image: ${runtime.image}
          ports:
            - containerPort: 8080
          env:
            - name: ${runtime.env}
              value: "${runtime.value}"
          resources:
            requests:
              cpu: 250m
              memory: ${index % 2 === 0 ? '512Mi' : '768Mi'}
            limits:
              memory: 1Gi
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
          readinessProbe:
            httpGet: {path: /livez, port: 8080}
          startupProbe:
            httpGet: {path: /livez, port: 8080}
        - name: proxy
          image: envoyproxy/envoy:v1.31.0
          args: ["--config-path", "/etc/envoy/envoy.yaml"]
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
          livenessProbe:
            tcpSocket: {port: 9901}
          readinessProbe:
            httpGet: {path: /ready, port: 9901}
`;
}

/** One file of the fleet: Deployments `first` to `first + count - 1` (`heavy`: the findings-heavy kind). */
export function fleetFile(first: number, count: number, heavy = false): string {
  const make = heavy ? heavyDeployment : deployment;
  const documents: string[] = [];
  for (let item = 0; item < count; item++) documents.push(make(first + item));
  return documents.join('---\n');
}

/** Write the fleet (`heavy`: the findings-heavy one); returns the file paths. */
export function writeFleet(folder: string, files: number, perFile: number, heavy = false): string[] {
  mkdirSync(folder, { recursive: true });
  const paths: string[] = [];
  for (let file = 0; file < files; file++) {
    const path = join(folder, `fleet-${String(file).padStart(4, '0')}.yaml`);
    writeFileSync(path, fleetFile(file * perFile, perFile, heavy));
    paths.push(path);
  }
  return paths;
}

/**
 * The same `items` Deployments twice: one List, a single document as `kubectl get deploy -A -o json`
 * prints (one item a line here, ~800 bytes each, so 50,000 items are ~40 MB), and the same item
 * lines as separate documents of one YAML stream. Returns [list, documents].
 */
export function writeList(folder: string, items: number): [string, string] {
  mkdirSync(folder, { recursive: true });
  const objects: unknown[] = [];
  for (let item = 0; item < items; item++) objects.push(load(deployment(item)));
  const list = join(folder, 'list.json');
  const lines = objects.map((object) => JSON.stringify(object));
  writeFileSync(list, `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [\n${lines.join(',\n')}\n]}\n`);
  const documents = join(folder, 'documents.yaml');
  writeFileSync(documents, `${lines.join('\n---\n')}\n`);
  return [list, documents];
}

/**
 * One file of at least `bytes` bytes as `kubectl get deploy -A -o yaml` dumps a cluster: the
 * Deployments as one `kind: List` (its items at column 0, as kubectl prints them), as separate
 * documents of one YAML stream (`documents`), or as the List in JSON (`json`, one item a line, as
 * `-o json` prints it less its indentation); with `exactly`, that many Deployments whatever the
 * size. Returns the number of Deployments.
 */
export function writeDump(path: string, bytes: number, form: 'list' | 'documents' | 'json', exactly?: number): number {
  const parts: string[] = [];
  let size = 0;
  let count = 0;
  if (form === 'list') parts.push('apiVersion: v1\nitems:\n');
  if (form === 'json') parts.push('{"apiVersion": "v1", "items": [\n');
  while (exactly === undefined ? size < bytes : count < exactly) {
    const text = deployment(count++);
    let part: string;
    if (form === 'list') part = `- ${text.slice(0, -1).replaceAll('\n', '\n  ')}\n`;
    else if (form === 'json') part = `${count > 1 ? ',\n' : ''}${JSON.stringify(load(text))}`;
    else part = `${count > 1 ? '---\n' : ''}${text}`;
    parts.push(part);
    size += part.length;
  }
  if (form === 'list') parts.push('kind: List\nmetadata:\n  resourceVersion: ""\n');
  if (form === 'json') parts.push('\n], "kind": "List", "metadata": {"resourceVersion": ""}}\n');
  writeFileSync(path, parts.join(''));
  return count;
}
