/** Which files are Compose files: by name (what `docker compose` looks for) or by shape. Pure. */

/** The names `docker compose` looks for in a project folder (compose-spec "Compose file"), in its order. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;

function basename(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash >= 0 ? path.slice(slash + 1) : path;
}

/** Whether a file's name is one `docker compose` reads by default. */
export function isComposeFileName(path: string): boolean {
  return (COMPOSE_FILE_NAMES as readonly string[]).includes(basename(path).toLowerCase());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a parsed document has the shape of a Compose file: not a Kubernetes object (no
 * `apiVersion` and `kind`) and a top-level `services` mapping whose entries are mappings (or empty,
 * as an overlay may leave them).
 */
export function looksLikeCompose(document: unknown): boolean {
  if (!isObject(document) || (typeof document.apiVersion === 'string' && typeof document.kind === 'string')) return false;
  const services = document.services;
  if (!isObject(services)) return false;
  const entries = Object.values(services);
  return entries.length > 0 && entries.every((service) => service === null || isObject(service));
}
