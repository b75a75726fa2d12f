/**
 * The `oomguard` command. Each subcommand is loaded only when it runs, so `oomguard lint` on one file
 * (the pre-commit case) never pays for cdk8s, Pulumi, charting or the runtime lab.
 */
import { UsageError } from './usage';

type Command = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Command }> = {
  lint: { summary: 'check manifests against the rules', load: () => require('./commands/lint') },
  fix: { summary: 'repair what the rules can repair, keeping formatting', load: () => require('./commands/fix') },
  generate: { summary: 'print a memory-safe Deployment for a runtime and a measured peak', load: () => require('./commands/generate') },
  rules: { summary: 'list the rules and their documentation', load: () => require('./commands/rules') },
  measure: { summary: 'run a command and report its peak memory and the recommended limit', load: () => require('./commands/measure') },
  verify: { summary: 'run a command under a real memory limit and classify how it ends', load: () => require('./commands/verify') },
  recommend: { summary: 'size every container from Prometheus: peaks, leaks and spikes, written back to manifests', load: () => require('./commands/recommend') },
  diagnose: { summary: 'explain terminated containers from kubectl or docker JSON', load: () => require('./commands/diagnose') },
  webhook: { summary: 'admission webhook: serve it, or print the manifests that run it', load: () => require('./commands/webhook') },
  init: { summary: 'write a commented .oomguard.yaml to start from', load: () => require('./commands/init') },
};

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: oomguard <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `oomguard help <command>` (or `oomguard <command> --help`) for a command\'s options.',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  // `oomguard help lint` is `oomguard lint --help`, as with git and npm.
  if (name === 'help' && rest.length > 0) {
    if (!COMMANDS[rest[0]]) {
      process.stderr.write(`oomguard: unknown command "${rest[0]}"\n\n${help()}`);
      return EXIT.usage;
    }
    [name, rest] = [rest[0], ['--help']];
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    const { packageRoot } = require('../config/package-root') as typeof import('../config/package-root');
    process.stdout.write(`${require(`${packageRoot()}/package.json`).version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`oomguard: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  try {
    return await command.load().run(rest);
  } catch (error) {
    // Bad usage and an unusable config file end the same way: the sentence, no stack trace, exit 2.
    // (ConfigError is recognised by name so start-up does not load the config module for every command.)
    if (error instanceof UsageError || (error instanceof Error && (error.name === 'ConfigError' || error.name === 'SizingFlagError'))) {
      const hint = error instanceof UsageError && error.showHelpHint ? `Run \`oomguard help ${name}\` for its options.\n` : '';
      process.stderr.write(`oomguard ${name}: ${error.message}\n${hint}`);
      return EXIT.usage;
    }
    throw error;
  }
}
