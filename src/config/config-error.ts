/**
 * Where a configuration value came from: the file, its position when known (1-based line and
 * column), and the field path inside the configuration (`subnets[0].pools[1]`).
 */
export interface Place {
  file: string;
  line?: number;
  column?: number;
  field?: string;
}

/** One thing wrong with a configuration, at one place. */
export interface ConfigIssue extends Place {
  message: string;
}

/** `file:line:col: field: message`, leaving out the parts that are unknown. */
export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  return issue.field ? `${where}: ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
}

/**
 * A refused configuration. It carries every problem found, not only the first, so a user fixes
 * a file in one pass; the message lists them one per line.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }

  static at(place: Place, message: string): ConfigError {
    return new ConfigError([{ ...place, message }]);
  }
}

/** Collects issues while a loader walks a file; `throwIfAny` ends the walk with all of them. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  add(place: Place, message: string): void {
    this.issues.push({ ...place, message });
  }

  /** Adds the issues of a ConfigError; rethrows anything else (a bug, not a user mistake). */
  absorb(err: unknown): void {
    if (err instanceof ConfigError) this.issues.push(...err.issues);
    else throw err;
  }

  get empty(): boolean {
    return this.issues.length === 0;
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ConfigError(this.issues);
  }
}

/** `base.field`, `base[3]`: builds the field paths used in messages. */
export function fieldPath(base: string | undefined, key: string | number): string {
  if (typeof key === 'number') return `${base ?? ''}[${key}]`;
  return base ? `${base}.${key}` : key;
}
