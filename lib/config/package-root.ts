import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The installed package's root folder (holding package.json, schemas/, templates/), from source or from dist/. */
export function packageRoot(): string {
  if (root) return root;
  for (let folder = __dirname; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json')) && existsSync(join(folder, 'schemas'))) return (root = folder);
    if (dirname(folder) === folder) throw new Error(`cannot find the oomguard package root above ${__dirname}`);
  }
}
