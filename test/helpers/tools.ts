import { spawnSync } from 'node:child_process';

/**
 * Whether an external tool this test needs is present. On a laptop a missing tool skips loudly;
 * under CI (`CI=true`) a missing tool is a failure, never a silent skip.
 */
export function haveTool(command: string, why: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
  if (found) return true;
  const message = `${command} is not installed: ${why}`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  process.stderr.write(`\n  !!! SKIPPING: ${message}\n`);
  return false;
}

/** Same contract as haveTool for a condition that is not a command (root, a writable cgroup). */
export function haveCapability(ok: boolean, what: string): boolean {
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${what}`);
  process.stderr.write(`\n  !!! SKIPPING: ${what}\n`);
  return false;
}
