/**
 * `oomguard lint --kustomize`: a folder holding a kustomization.yaml is linted as `kubectl kustomize`
 * renders it (bases, overlays, patches and generators applied), not file by file, where a patch is a
 * partial object that would be reported as a container without a limit. Findings name the overlay
 * folder; lines are those of the rendered output. kubectl's own kustomize needs no cluster.
 */
import type { Linter } from '../engine/linter';
import { lintText } from '../engine/lint-text';
import { decodeManifest, MAX_FILE_BYTES } from './files';
import type { FileOutcome } from './lint-files';

/** Rendering a large overlay takes kubectl a second or two; a minute means it is stuck. */
const KUSTOMIZE_TIMEOUT_MS = 60_000;

export function renderKustomization(folder: string, name: string, linter: Linter): FileOutcome {
  const kubectl = process.env.OOMGUARD_KUBECTL ?? 'kubectl';
  // child_process (with net, dgram and streams behind it) loads only for --kustomize: ~2 ms of every lint.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const result = spawnSync(kubectl, ['kustomize', folder], { maxBuffer: MAX_FILE_BYTES, timeout: KUSTOMIZE_TIMEOUT_MS, encoding: 'buffer' });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `--kustomize runs \`${kubectl} kustomize\`, and ${kubectl} is not installed`
      : code === 'ETIMEDOUT' ? `\`${kubectl} kustomize\` did not finish within ${KUSTOMIZE_TIMEOUT_MS / 1000} s`
        : code === 'ENOBUFS' ? `\`${kubectl} kustomize\` printed more than ${MAX_FILE_BYTES} bytes` : `cannot run ${kubectl}: ${code ?? result.error.message}`;
    return { unreadable: { file: name, message } };
  }
  if (result.status !== 0) {
    // kubectl logs through klog: `E1201 12:05:08.273549   18419 run.go:72] "command failed" err="..."`.
    const stderr = result.stderr.toString('utf8').trim().split('\n').filter(Boolean).map((line) => line.replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] /, ''));
    return { unreadable: { file: name, message: `\`${kubectl} kustomize\` failed: ${stderr[stderr.length - 1] ?? `exit ${result.status}`}` } };
  }
  const decoded = decodeManifest(result.stdout);
  if (!decoded.ok) return { unreadable: { file: name, message: `\`${kubectl} kustomize\` output: ${decoded.message}` } };
  const report = lintText(decoded.text, name, linter);
  // `oomguard fix` edits files; the rendered output is no file, so its findings offer no fix.
  const findings = report.findings.map(({ fix: _fix, ...finding }) => finding);
  const notes = findings.length > 0 ? [...report.notes, { file: name, message: `rendered with \`${kubectl} kustomize\`: lines are those of the rendered output; fix the base or patch it came from` }] : report.notes;
  return { report: { ...report, findings, notes } };
}
