/** The rule docs are generated from metadata; this fails when they are stale (run `npm run docs`). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectedDocs } from '../scripts/rule-docs';

const FOLDER = join(__dirname, '..', 'docs', 'rules');

test('docs/rules matches rule metadata and fixtures', () => {
  const expected = expectedDocs();
  for (const [name, text] of expected) {
    assert.ok(existsSync(join(FOLDER, name)), `docs/rules/${name} is missing: run npm run docs`);
    assert.ok(readFileSync(join(FOLDER, name), 'utf8') === text, `docs/rules/${name} is stale: run npm run docs`);
  }
  assert.equal(readdirSync(FOLDER).sort(), [...expected.keys()].sort(), 'docs/rules has pages for rules that do not exist');
});

test.run();
