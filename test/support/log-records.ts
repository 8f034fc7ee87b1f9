/**
 * Reads hydra's stderr as its JSON log records (one object per line). Lines that are not JSON
 * (a message printed before the logger exists, e.g. a refused flag) are skipped.
 */
export interface LogRecord {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export function logRecords(stderr: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as LogRecord;
      if (typeof r.msg === 'string') out.push(r);
    } catch {
      // a torn last line while the process is still writing
    }
  }
  return out;
}

/** The first record with message `msg` whose fields include every field in `fields`. */
export function findRecord(stderr: string, msg: string, fields: Record<string, unknown> = {}): LogRecord | undefined {
  return logRecords(stderr).find((r) => r.msg === msg && Object.entries(fields).every(([k, v]) => r[k] === v));
}
