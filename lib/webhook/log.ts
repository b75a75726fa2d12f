/**
 * Structured logs: one JSON object a line on standard output (what log collectors in a cluster
 * parse without configuration), with `time`, `level`, `msg` and the fields of the event.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = ORDER[level];
  return {
    level,
    enabled: (wanted) => ORDER[wanted] >= threshold,
    log(wanted, msg, fields) {
      if (ORDER[wanted] < threshold) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level: wanted, msg, ...fields })}\n`);
    },
  };
}
