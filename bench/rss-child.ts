/** Runs the oomguard CLI in this process and reports the process's peak RSS (KiB) on stderr. */
import { main } from '../lib/cli/main';

main(process.argv.slice(2)).then((code) => {
  process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\n`);
  process.exitCode = code === 2 ? 2 : 0;
});
