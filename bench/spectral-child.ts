/**
 * The general-purpose alternative a user might pick: a Spectral ruleset expressing two of oomguard's
 * checks (a container without a memory limit; a memory request different from the limit, compared as
 * text, since Spectral has no quantity type). Runs over every file of a folder and prints the count.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(folder: string): Promise<void> {
  const { Spectral, Document } = require('@stoplight/spectral-core');
  const { truthy } = require('@stoplight/spectral-functions');
  const Parsers = require('@stoplight/spectral-parsers');
  const spectral = new Spectral();
  const requestEqualsLimit = (container: any) => {
    const requested = container?.resources?.requests?.memory;
    const limit = container?.resources?.limits?.memory;
    return requested === undefined || requested === limit ? undefined : [{ message: 'memory request differs from limit' }];
  };
  spectral.setRuleset({
    rules: {
      'memory-limit-missing': {
        given: '$.spec.template.spec.containers[*]',
        severity: 'error',
        then: { field: 'resources.limits.memory', function: truthy },
      },
      'memory-request-not-equal-limit': {
        given: '$.spec.template.spec.containers[*]',
        severity: 'error',
        then: { function: requestEqualsLimit },
      },
    },
  });
  let findings = 0;
  for (const name of readdirSync(folder).sort()) {
    const text = readFileSync(join(folder, name), 'utf8');
    // Spectral lints one YAML document at a time.
    for (const part of text.split(/^---\n/m)) {
      const results = await spectral.run(new Document(part, Parsers.Yaml, join(folder, name)));
      findings += results.length;
    }
  }
  process.stdout.write(`${findings}\n`);
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
