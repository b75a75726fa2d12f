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

/** Write the fleet; returns the file paths. */
export function writeFleet(folder: string, files: number, perFile: number): string[] {
  mkdirSync(folder, { recursive: true });
  const paths: string[] = [];
  for (let file = 0; file < files; file++) {
    const documents: string[] = [];
    for (let item = 0; item < perFile; item++) documents.push(deployment(file * perFile + item));
    const path = join(folder, `fleet-${String(file).padStart(4, '0')}.yaml`);
    writeFileSync(path, documents.join('---\n'));
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
