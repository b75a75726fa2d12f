/**
 * The pure core imports nothing from Node, cdk8s, Pulumi or the adapters; the CLI entry loads no
 * heavy library at start-up.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const LIB = join(__dirname, '..', 'lib');
const PURE = ['core', 'runtimes', 'facts', 'sizing', 'rules', 'engine', 'manifests', 'generate', 'compose'];
const ADAPTERS = ['cli', 'cdk8s', 'pulumi', 'lab', 'fix', 'alerts', 'diagnose', 'prometheus', 'config', 'webhook'];

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((match) => match[1]);
}

for (const folder of PURE) {
  test(`lib/${folder} is pure: no node:*, cdk8s, Pulumi or adapter imports`, () => {
    for (const name of readdirSync(join(LIB, folder)).filter((file) => file.endsWith('.ts'))) {
      for (const target of imports(join(LIB, folder, name))) {
        const where = `lib/${folder}/${name} imports ${target}`;
        assert.not.ok(target.startsWith('node:') || ['fs', 'path', 'os', 'child_process'].includes(target), where);
        assert.not.ok(/^(cdk8s|constructs|@pulumi\/)/.test(target), where);
        assert.not.ok(ADAPTERS.some((adapter) => target.includes(`../${adapter}/`)), where);
      }
    }
  });
}

test('the CLI entry point requires subcommands lazily', () => {
  const main = readFileSync(join(LIB, 'cli', 'main.ts'), 'utf8');
  assert.not.match(main, /^import .* from '\.\/commands/m);
});

test.run();
