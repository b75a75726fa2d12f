/** The physical floor: read every file of a folder and parse every document with js-yaml alone. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';

let documents = 0;
for (const name of readdirSync(process.argv[2]).sort()) documents += loadAll(readFileSync(join(process.argv[2], name), 'utf8')).length;
process.stdout.write(`${documents}\n`);
