/**
 * YAML read the way Kubernetes reads it (issue #12 items 9, 10, 12; docs/yaml.md): go-yaml v2's
 * YAML 1.1 scalars, merge keys, the last value of a repeated key, explicit tags. Each row of
 * docs/yaml.md's table is a case here, with the value go-yaml v2 gives and the one js-yaml's core
 * schema gives (the old reading). When Go and go-yaml v2 (Debian's golang-gopkg-yaml.v2-dev, the
 * gopkg.in/yaml.v2 that sigs.k8s.io/yaml wraps) are installed, every case is also decoded by the
 * real go-yaml v2 and the two must agree.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from 'js-yaml';
import { parseManifests } from '../lib/manifests/documents';
import { createLinter } from '../lib/engine/linter';
import { lintText } from '../lib/engine/lint-text';
import { fixText } from '../lib/fix/fixer';
import { haveCapability, haveTool } from './helpers/tools';

/** [plain scalar, go-yaml v2 (Kubernetes), js-yaml core schema]. */
const SCALARS: [string, unknown, unknown][] = [
  ['yes', true, 'yes'], ['Yes', true, 'Yes'], ['YES', true, 'YES'], ['y', true, 'y'], ['Y', true, 'Y'],
  ['on', true, 'on'], ['On', true, 'On'], ['ON', true, 'ON'],
  ['no', false, 'no'], ['No', false, 'No'], ['NO', false, 'NO'], ['n', false, 'n'], ['N', false, 'N'],
  ['off', false, 'off'], ['Off', false, 'Off'], ['OFF', false, 'OFF'],
  ['0777', 511, 777], ['-0777', -511, -777], ['0O17', 15, '0O17'],
  ['0b101', 5, '0b101'], ['0B11', 3, '0B11'], ['-0b11', -3, '-0b11'],
  ['0X1f', 31, '0X1f'], ['+0x10', 16, '+0x10'], ['-0x10', -16, '-0x10'], ['0x_1F', 31, '0x_1F'],
  ['1_073_741_824', 1073741824, '1_073_741_824'], ['1__2', 12, '1__2'], ['1_', 1, '1_'],
  ['1_000.5', 1000.5, '1_000.5'], ['0.1_0', 0.1, '0.1_0'], ['.5_0', 0.5, '.5_0'], ['1_0e1_0', 1e11, '1_0e1_0'],
  ['1e400', '1e400', '1e400'],
  // the same in both readings (rows of the table that say so)
  ['0o17', 15, 15], ['0x1F', 31, 31], ['08', 8, 8], ['0779', 779, 779], ['1:20', '1:20', '1:20'],
  ['2024-01-01', '2024-01-01', '2024-01-01'], ['1e3', 1000, 1000], ['.5', 0.5, 0.5], ['+12', 12, 12],
  ['true', true, true], ['False', false, false], ['~', null, null], ['Null', null, null], ['_1', '_1', '_1'],
];

function valueOf(text: string): unknown {
  const parsed = parseManifests(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.problem.message}`);
  return parsed.documents[0].value;
}

for (const [scalar, kubernetes, core] of SCALARS) {
  test(`plain scalar ${scalar}: ${JSON.stringify(kubernetes)} as Kubernetes reads it (js-yaml core: ${JSON.stringify(core)})`, () => {
    assert.equal(valueOf(`v: ${scalar}\n`), { v: kubernetes });
    assert.equal(load(`v: ${scalar}\n`), { v: core });
  });
}

/** Whole documents: [name, YAML, value Kubernetes sees (as JSON), or the error]. */
const DOCUMENTS: [string, string, unknown][] = [
  ['merge key from an alias; a key before it is overwritten, one after it wins', 'base: &b {x: 1, w: 1}\nc:\n  x: 0\n  <<: *b\n  w: 2\n', { base: { x: 1, w: 1 }, c: { x: 1, w: 2 } }],
  ['merge of a list: the earlier map wins', 'a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n', { a: { x: 1 }, b: { x: 2, z: 2 }, c: { x: 1, z: 2 } }],
  ['inline merge', 'c:\n  <<: {x: 1, z: 3}\n  z: 4\n', { c: { x: 1, z: 4 } }],
  ['two merge keys: the later one overwrites', 'c:\n  <<: {x: 1}\n  <<: {x: 2}\n', { c: { x: 2 } }],
  ['a quoted << is a plain key', 'c:\n  "<<": {x: 1}\n', { c: { '<<': { x: 1 } } }],
  ['!!merge is a merge key', 'c:\n  !!merge <<: {x: 1}\n', { c: { x: 1 } }],
  ['merge of a sequence alias is an error', 'a: &a [1]\nc:\n  <<: *a\n', 'map merge requires map or sequence of maps as the value'],
  ['repeated key: the last value', 'a: 1\nb: 2\na: 3\n', { a: 3, b: 2 }],
  ['YAML 1.1 booleans as keys', 'y: 1\non: 2\n', { true: 2 }],
  ['explicit tags', 'a: !!int "0777"\nb: !!str 0777\nc: !!float 1\nd: !custom 12\ne: !!binary aGVsbG8=\n', { a: 511, b: '0777', c: 1, d: '12', e: 'hello' }],
  ['a tag that does not convert is an error', 'a: !!int abc\n', 'cannot decode !!str `abc` as a !!int'],
];

for (const [name, text, expected] of DOCUMENTS) {
  test(`document: ${name}`, () => {
    const parsed = parseManifests(text);
    if (typeof expected === 'string') {
      assert.is(parsed.ok, false);
      if (!parsed.ok) assert.is(parsed.problem.message, expected);
    } else {
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem.message);
      if (parsed.ok) assert.equal(parsed.documents[0].value, expected);
    }
  });
}

const DEPLOYMENT = (container: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
${extra}spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
${container}`;
const RULES_OF = (text: string) => lintText(text, 'm.yaml', createLinter()).findings.map((finding) => `${finding.line} ${finding.ruleId}`).filter((id) => !/probe-missing/.test(id));

test('merge keys reach the linter: <<: *base, inline <<: {...} and <<: [*a, *b] give no false memory-limit-missing', () => {
  const anchored = 'x-resources: &res\n  resources:\n    requests: {memory: 1Gi}\n    limits: {memory: 1Gi}\n';
  assert.equal(RULES_OF(DEPLOYMENT('        <<: *res\n', anchored)), []);
  assert.equal(RULES_OF(DEPLOYMENT('        <<: {resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}}\n')), []);
  assert.equal(RULES_OF(DEPLOYMENT('        <<: [*res, {resources: {}}]\n', anchored)), []);
  // the old reading (js-yaml core) saw a key named "<<" and no resources
  assert.equal(RULES_OF(DEPLOYMENT('        "<<": {resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}}\n')), ['8 memory-limit-missing']);
  // a finding about a merged value is placed on the merge key's line
  assert.equal(RULES_OF(DEPLOYMENT('        <<: {resources: {requests: {memory: 512Mi}, limits: {memory: 1Gi}}}\n')), ['10 memory-request-not-equal-limit']);
});

test('fix sees merged values too, and refuses to edit inside one, saying so', () => {
  const text = readFileSync(join(__dirname, 'fixtures', 'yaml', 'merged-resources.yaml'), 'utf8');
  const result = fixText(text, 'merged.yaml', createLinter());
  assert.is(result.output, text);
  assert.equal(result.errors, []);
  assert.equal(result.unfixed.map(({ finding, reason }) => `${finding.line} ${finding.ruleId} ${finding.container}: ${reason}`), [
    '14 memory-request-not-equal-limit a: fix not applied: spec.template.spec.containers[0] uses a YAML merge key (<<); add resources.requests.memory by hand',
  ]);
});

test('YAML 1.1 numbers reach quantities: 1_073_741_824 is 1Gi, 0777 is 511 bytes', () => {
  const sized = (limit: string, request: string) => DEPLOYMENT(`        resources:\n          requests: {memory: ${request}}\n          limits: {memory: ${limit}}\n`);
  assert.equal(RULES_OF(sized('1_073_741_824', '1Gi')), []); // equal as quantities
  assert.equal(RULES_OF(sized('0777', '511')), []);
  assert.equal(RULES_OF(sized('0777', '777')), ['11 memory-request-not-equal-limit']);
});

test('YAML 1.1 values reach env values as the strings a typed decoder makes of them', () => {
  const text = DEPLOYMENT('        env:\n        - {name: GOMEMLIMIT, value: 0x1F4}\n        - {name: FLAG, value: on}\n');
  const parsed = parseManifests(text);
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  const env = (parsed.documents[0].value as any).spec.template.spec.containers[0].env;
  assert.equal(env, [{ name: 'GOMEMLIMIT', value: 500 }, { name: 'FLAG', value: true }]);
});

const GOPATH = '/usr/share/gocode';
const GO_DECODER = `package main

import (
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"

	yaml "gopkg.in/yaml.v2"
)

// jsonable turns go-yaml's map[interface{}]interface{} into JSON objects, keys printed as
// sigs.k8s.io/yaml prints them (fmt.Sprint of an int or a bool gives the same text).
func jsonable(value interface{}) interface{} {
	switch typed := value.(type) {
	case map[interface{}]interface{}:
		object := map[string]interface{}{}
		for key, item := range typed {
			object[fmt.Sprint(key)] = jsonable(item)
		}
		return object
	case []interface{}:
		for index := range typed {
			typed[index] = jsonable(typed[index])
		}
	}
	return value
}

func main() {
	input, _ := ioutil.ReadAll(os.Stdin)
	var value interface{}
	if err := yaml.Unmarshal(input, &value); err != nil {
		fmt.Print("ERROR ", err)
		return
	}
	output, err := json.Marshal(jsonable(value))
	if err != nil {
		fmt.Print("ERROR ", err)
		return
	}
	fmt.Print(string(output))
}
`;

if (haveTool('go', 'compares the YAML reading with go-yaml v2 itself') && haveCapability(existsSync(join(GOPATH, 'src', 'gopkg.in', 'yaml.v2')), `go-yaml v2 is not at ${GOPATH} (apt-get install golang-gopkg-yaml.v2-dev)`)) {
  test('every case above decodes the same with the real go-yaml v2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomguard-goyaml-'));
    try {
      writeFileSync(join(dir, 'main.go'), GO_DECODER);
      const env = { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(dir, 'cache'), GOFLAGS: '' };
      const built = spawnSync('go', ['build', '-o', join(dir, 'decode'), join(dir, 'main.go')], { env, encoding: 'utf8', timeout: 120_000 });
      assert.is(built.status, 0, built.stderr);
      const decode = (text: string) => spawnSync(join(dir, 'decode'), { input: text, encoding: 'utf8', timeout: 10_000 }).stdout;
      const cases: [string, string, unknown][] = [
        ...SCALARS.filter(([, value]) => typeof value !== 'number' || Number.isFinite(value)).map(([scalar, value]): [string, string, unknown] => [scalar, `v: ${scalar}\n`, { v: value }]),
        ...DOCUMENTS,
      ];
      for (const [name, text, expected] of cases) {
        const output = decode(text);
        if (typeof expected === 'string') assert.ok(output.startsWith('ERROR ') && output.includes(expected), `${name}: go-yaml says ${output}`);
        else assert.equal(JSON.parse(output), expected, `${name}: go-yaml says ${output}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
