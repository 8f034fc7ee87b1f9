/**
 * The server's log: structured records (pino) on stderr, one JSON object per line, so a log
 * shipper or `jq` reads them without a parser of ours; `pretty` renders the same records for
 * a human at a terminal. Default shows start, stop, warnings and errors; -v adds one record per
 * decision; -d adds packet fields. Callers see only the small Logger interface below.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug';
export type LogFormat = 'json' | 'pretty';

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };

/** pino's numbers for our levels; verbose sits between info (30) and debug (20). */
const VERBOSE_LEVEL = 25;

export interface Logger {
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Default: pretty when stderr is a terminal, json otherwise. */
  format?: LogFormat;
  /** Where lines go (tests, benchmarks); default stderr, written synchronously. */
  write?: (line: string) => void;
}

export function defaultLogFormat(): LogFormat {
  return process.stderr.isTTY ? 'pretty' : 'json';
}

/**
 * `out` is either the options or, as before pino, a bare line writer. Writes are synchronous:
 * the last record before process.exit (the `stopped` line) must not be lost in a buffer.
 */
export function createLogger(max: LogLevel, out?: LoggerOptions | ((line: string) => void)): Logger {
  const opts: LoggerOptions = typeof out === 'function' ? { write: out } : (out ?? {});
  const format = opts.format ?? defaultLogFormat();
  const sink: DestinationStream | undefined = opts.write ? { write: opts.write } : undefined;
  let destination: DestinationStream;
  if (format === 'pretty') {
    destination = pretty({
      sync: true,
      destination: sink ?? 2,
      colorize: sink ? false : process.stderr.isTTY === true,
      customLevels: `verbose:${VERBOSE_LEVEL}`,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
  } else {
    destination = sink ?? pino.destination({ fd: 2, sync: true });
  }
  const p: PinoLogger<'verbose'> = pino(
    {
      level: max,
      customLevels: { verbose: VERBOSE_LEVEL },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers, in JSON: `"level":"warn"` greps and reads without a table.
      formatters: format === 'json' ? { level: (label) => ({ level: label }) } : {},
    },
    destination,
  );
  return {
    enabled: (level) => rank[level] <= rank[max],
    log(level, message, fields) {
      if (rank[level] > rank[max]) return;
      if (fields) p[level](fields, message);
      else p[level](message);
    },
  };
}
