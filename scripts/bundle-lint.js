#!/usr/bin/env node
'use strict';
/**
 * Build the start-up path of `oomguard lint` (issue #18 item 4: one small file, the pre-commit case,
 * within 1.3x of a bare `node -e 0`). Run after tsc, by `npm run build` and by `prepare`.
 *
 * 1. dist/lib/cli/lint.bundle.js: esbuild links tsc's own CommonJS output (dist/lib/cli/main.js and
 *    everything `lint` reaches, js-yaml and picocolors included) into one file. Linking tsc's output,
 *    not the TypeScript, keeps tsc's semantics, and every lazy require() stays lazy (esbuild wraps each
 *    module in a function that runs on its first require). Measured on one small file: resolving,
 *    reading and compiling ~70 modules was ~25 ms CPU of ~100 ms.
 *    Every other command and every other package stays a plain require of dist/ and node_modules,
 *    resolved from dist/lib/cli/ as before: ajv, picomatch, yaml, diff, prom-client cost nothing here.
 * 2. dist/lib/cli/lint.bundle.cache: V8's code cache of the bundle, taken after linting a sample
 *    (so it holds the bytecode of the functions a lint runs, not only the top level), prefixed by the
 *    build id that the bundle's first line carries. bin/oomguard.js hands it to vm.Script; V8 itself
 *    rejects a cache of another V8 version or flags, and the launcher then compiles as usual.
 *    (Node 20 has no module.enableCompileCache; that arrived in Node 22.1.)
 *
 * 3. The build id is appended to dist/lib/cli/main.js as a last comment line. tsc rewrites every file
 *    it emits, so a later tsc run (`tsc` alone, a `prepare` that does not bundle) drops the line, and
 *    the launcher then sees the bundle may not hold today's code and runs dist/'s modules instead.
 *    (File times cannot tell: `npm install` extracts a tarball's files in its own order, with the
 *    time of extraction.)
 *
 * Every file is written whole or not at all (temporary file, then rename).
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const CLI = join(root, 'dist', 'lib', 'cli');
const BUNDLE = join(CLI, 'lint.bundle.js');
const CACHE = join(CLI, 'lint.bundle.cache');
const MAIN = join(CLI, 'main.js');
/** The last line of dist/lib/cli/main.js once bundled; bin/oomguard.js reads it back. */
const MARK = /\n\/\/ lint bundle build [0-9a-f]{32}\n$/;
/** Packages every `lint` run needs; any other package is required from node_modules when used. */
const BUNDLED_PACKAGES = new Set(['js-yaml', 'picocolors']);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Keep out what `lint` does not run: other packages, and the other commands (main.ts loads each lazily). */
const externals = {
  name: 'oomguard-lint-externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { path: args.path, external: true }));
    build.onResolve({ filter: /^\.\/commands\// }, (args) => (/[\\/]dist[\\/]lib[\\/]cli[\\/]main\.js$/.test(args.importer) && args.path !== './commands/lint'
      ? { path: args.path, external: true } : undefined));
  },
};

function writeWhole(file, bytes) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, file);
}

/** One manifest per runtime, with and without probes and limits, so the cache holds what a lint runs. */
const SAMPLE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    oomguard.io/peak-rss: 300Mi
spec:
  template:
    spec:
      containers:
        - name: api
          image: eclipse-temurin:17-jre
          env:
            - name: JAVA_TOOL_OPTIONS
              value: "-Xmx2g -XX:+UseContainerSupport"
          resources:
            requests: { memory: 256Mi, cpu: 100m }
            limits: { memory: 512Mi }
          livenessProbe: { httpGet: { path: /health, port: 8080 } }
        - name: web
          image: node:20-alpine
          command: [node, server.js]
          resources:
            limits: { memory: 1Gi }
        - name: worker
          image: golang:1.22
          env:
            - { name: GOMEMLIMIT, value: 900MiB }
          resources:
            limits: { memory: 1Gi }
            requests: { memory: 1Gi }
          readinessProbe: { tcpSocket: { port: 9000 } }
          livenessProbe: { tcpSocket: { port: 9000 } }
      volumes:
        - name: scratch
          emptyDir: { medium: Memory }
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: python:3.12-slim
              resources: { limits: { memory: 512MB } }
`;

async function main() {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [MAIN],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    outfile: BUNDLE,
    logLevel: 'warning',
    plugins: [externals],
    // Non-ASCII characters escaped: the launcher reads the bundle as latin1, with no UTF-8 decoding.
    charset: 'ascii',
  });
  const code = result.outputFiles[0].text;
  const id = createHash('sha256').update(code).digest('hex').slice(0, 32);
  // The launcher reads the id from this line; the cache file starts with the same 32 characters.
  const bundle = `// Generated by scripts/bundle-lint.js from dist/lib/cli/main.js: do not edit. build ${id}\n${code}`;
  rmSync(CACHE, { force: true });
  writeWhole(BUNDLE, bundle);
  const compiled = readFileSync(MAIN, 'utf8').replace(MARK, '');
  writeWhole(MAIN, `${compiled}${compiled.endsWith('\n') ? '' : '\n'}// lint bundle build ${id}\n`);

  // Warm up in a fresh process, with no NODE_OPTIONS: V8 accepts a cache only under the flags it was made with.
  const work = mkdtempSync(join(tmpdir(), 'oomguard-bundle-'));
  try {
    writeFileSync(join(work, 'sample.yaml'), SAMPLE);
    const warm = `
      const { loadLintBundle } = require(${JSON.stringify(join(root, 'bin', 'oomguard.js'))});
      const bundle = loadLintBundle({ cache: false });
      bundle.main(['lint', 'sample.yaml']).then((code) => {
        // 1 (error-level findings) is the sample's answer; any other code, or a crash (1 too), is not 0.
        process.exitCode = code === 1 ? 0 : 3;
        require('node:fs').writeFileSync(${JSON.stringify(join(work, 'cache'))}, bundle.script.createCachedData());
      });`;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawnSync(process.execPath, ['-e', warm], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`linting the sample with the bundle failed (${child.status}; 3: not the expected exit code 1): ${child.stderr}`);
    const cache = readFileSync(join(work, 'cache'));
    writeWhole(CACHE, Buffer.concat([Buffer.from(id, 'latin1'), cache]));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`scripts/bundle-lint.js: ${error && error.stack || error}\n`);
  process.exitCode = 1;
});
