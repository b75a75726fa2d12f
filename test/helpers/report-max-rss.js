'use strict';
/**
 * Preloaded (`node -r`) into a real oomguard run by a test: at exit, writes the process's peak RSS in
 * KiB (getrusage ru_maxrss, as /usr/bin/time -f %M reports it) to the file OOMGUARD_TEST_RSS_FILE.
 */
const fs = require('node:fs');

process.on('exit', () => {
  if (process.env.OOMGUARD_TEST_RSS_FILE) fs.writeFileSync(process.env.OOMGUARD_TEST_RSS_FILE, String(process.resourceUsage().maxRSS));
});
