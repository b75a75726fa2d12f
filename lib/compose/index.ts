/** Docker Compose as an input to the same rules: detection, Docker units, interpolation, the service model, lint. */
export { COMPOSE_FILE_NAMES, isComposeFileName, looksLikeCompose } from './detect';
export { parseDockerBytes, formatDockerBytes } from './units';
export { interpolate, type Interpolated, type Variables } from './interpolate';
export { parseEnvFile, type EnvFile } from './env-file';
export { lintComposeText } from './lint';
export { COMPOSE_API_VERSION, COMPOSE_KIND } from './model';
export type { ComposeHost } from './resolve';
