// Placeholder until the owning issue lands; replaced by the real command.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('oomguard verify: not implemented yet\n');
  return 2;
}
