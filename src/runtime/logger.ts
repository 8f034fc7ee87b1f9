/**
 * A small leveled logger on stderr. Default shows start, stop, warnings and errors; -v adds one
 * line per decision; -d adds packet fields. One line per event, key=value pairs, so logs grep well.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug';

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };

export interface Logger {
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(max: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    enabled: (level) => rank[level] <= rank[max],
    log(level, message, fields) {
      if (rank[level] > rank[max]) return;
      let line = `${new Date().toISOString()} ${level} ${message}`;
      if (fields) {
        for (const [k, v] of Object.entries(fields)) {
          if (v === undefined) continue;
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          line += ` ${k}=${/[\s"]/.test(text) ? JSON.stringify(text) : text}`;
        }
      }
      write(line + '\n');
    },
  };
}
