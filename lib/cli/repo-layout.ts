/**
 * Repositories as they are: a GitOps repository holds Helm charts, Kustomize overlays, CI workflows
 * and tool configuration next to plain manifests, and pre-commit hands every staged YAML and JSON
 * file to the hook. What is not a manifest is recognized here so it is skipped without noise:
 *
 * - a Helm chart (a folder with `Chart.yaml`): its templates are Go templates, YAML only once
 *   rendered, so the whole chart is skipped with one note naming it (lint `helm template` output
 *   from standard input instead; lib/cli/helm-source.ts attributes findings to the templates);
 * - files that are configuration of other tools (CI workflows, `.oomguard.yaml`, `package.json`,
 *   `kustomization.yaml`, `.pre-commit-config.yaml`, ...): skipped silently;
 * - a folder with `kustomization.yaml`: rendered with `kubectl kustomize` under `--kustomize`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

export const HELM_CHART_FILE = 'Chart.yaml';
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Files that are never Kubernetes manifests, by name (pre-commit's `types_or: [yaml, json]` sends them all). */
const QUIET_NAMES = new Set([
  '.oomguard.yaml', '.oomguard.yml', '.oomguard.json',
  '.pre-commit-config.yaml', '.pre-commit-hooks.yaml',
  ...KUSTOMIZATION_FILES,
  'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'composer.json', 'composer.lock',
  '.gitlab-ci.yml', '.travis.yml', 'azure-pipelines.yml', 'bitbucket-pipelines.yml', 'codecov.yml', '.codecov.yml',
  'mkdocs.yml', '.golangci.yml', '.golangci.yaml', '.yamllint', '.yamllint.yaml', '.yamllint.yml',
  'renovate.json', '.renovaterc.json', 'lerna.json', 'turbo.json', 'devcontainer.json', '.devcontainer.json',
]);
/** Folders whose YAML is tool configuration: GitHub workflows and settings, editor and CI folders. */
const QUIET_FOLDERS = new Set(['.github', '.gitlab', '.circleci', '.vscode', '.idea', '.devcontainer', '.buildkite']);

/** Whether a file is another tool's configuration (relative to the folder searched or the working directory). */
export function isQuietFile(path: string, root: string): boolean {
  const name = basename(path);
  if (QUIET_NAMES.has(name) || /^tsconfig(\..+)?\.json$/.test(name) || /^jsconfig(\..+)?\.json$/.test(name)) return true;
  const rel = relative(root, path);
  const parts = (rel.startsWith('..') ? path : rel).split(sep);
  return parts.slice(0, -1).some((part) => QUIET_FOLDERS.has(part));
}

/** The Helm chart folder holding `path` (itself or an ancestor up to `stop`), if any. */
export function chartRootOf(path: string, stop: string, cache: Map<string, boolean>): string | undefined {
  let found: string | undefined;
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    let isChart = cache.get(folder);
    if (isChart === undefined) cache.set(folder, (isChart = existsSync(join(folder, HELM_CHART_FILE))));
    // The outermost chart: a subchart (charts/<name>/) is part of its parent.
    if (isChart) found = folder;
    if (folder === stop || dirname(folder) === folder) return found;
  }
}

export function chartNote(chart: string, display: string): string {
  return `Helm chart "${basename(chart)}" skipped: its templates are YAML only once rendered; lint them with \`helm template ${display} | oomguard lint -\``;
}

export function kustomizeHint(): string {
  return 'holds a kustomization.yaml: its files are linted as they are; `--kustomize` lints what `kubectl kustomize` renders instead';
}

export function kustomizationIn(names: Iterable<string>): boolean {
  for (const name of names) if ((KUSTOMIZATION_FILES as readonly string[]).includes(name)) return true;
  return false;
}
