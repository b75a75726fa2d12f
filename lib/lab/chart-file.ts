/**
 * Where `measure --chart` and `verify --chart` write their SVG. The path is checked before the command
 * runs (a 30-minute load test must not end in "cannot write the chart"), and the chart is written to a
 * temporary file beside it and renamed over it, so the file holds the whole chart or stays as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why a chart cannot be written to `file`, or undefined when it can. */
export function chartPathProblem(file: string): string | undefined {
  if (file === '') return 'the path is empty';
  const full = path.resolve(file);
  let stats: fs.Stats | undefined;
  try {
    stats = fs.statSync(full);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot use ${file}: ${(error as NodeJS.ErrnoException).code}`;
  }
  if (stats?.isDirectory()) return `${file} is a directory; give a file name such as ${path.join(file, 'memory.svg')}`;
  if (stats && !stats.isFile()) return `${file} is not a regular file`;
  const dir = path.dirname(full);
  let dirStats: fs.Stats;
  try {
    dirStats = fs.statSync(dir);
  } catch {
    return `the folder ${path.dirname(file)} does not exist`;
  }
  if (!dirStats.isDirectory()) return `${path.dirname(file)} is not a folder`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `the folder ${path.dirname(file)} is not writable`;
  }
  return undefined;
}

/** Write the chart atomically: a temporary file in the same folder, fsync, rename. Throws with the reason. */
export function writeChartFile(file: string, svg: string): void {
  const full = path.resolve(file);
  const temp = path.join(path.dirname(full), `.${path.basename(full)}.oomguard-${process.pid}.tmp`);
  const data = Buffer.from(svg, 'utf8');
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'w', 0o644);
    let written = 0;
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, full);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw new Error(`cannot write the chart to ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
