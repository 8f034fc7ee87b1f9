import { ConfigError } from '../config/config-error.js';
import { loadConfig, type ConfigSources } from '../config/load-config.js';
import type { ServerConfig } from '../config/model.js';
import type { DhcpEngine } from '../engine/engine.js';
import type { Logger } from './logger.js';

export type ReloadResult = { ok: true; message: string } | { ok: false; message: string };

export interface ReloaderDeps {
  engine: DhcpEngine;
  /** What the server started with (--config FILE or -D DIR; neither: the built-in default file). */
  sources: ConfigSources;
  log: Logger;
  clock: () => number;
  /** Told of every outcome (metrics). */
  onResult?: (ok: boolean, at: number) => void;
  /** Told of every applied configuration (the control API keeps its document in step). */
  onApplied?: (config: ServerConfig, source: string) => void;
  /**
   * When the management API is up, its own config-reload (which also keeps config-get's document
   * in step) does the reading and applying; the reloader adds ordering, logging and counting.
   */
  reloadVia?: () => Promise<{ ok: true } | { ok: false; message: string }>;
}

/**
 * Reload without restart. The new configuration is read and validated completely before
 * anything changes; then `engine.replaceConfig` switches to it in one synchronous step, between
 * two packets. What that means for leases is the engine's rule: every record is kept; a lease
 * whose address is still allocatable renews as before; one outside the new ranges (or in a
 * subnet that is gone) stays until it expires and is not renewed (its client is NAKed and gets
 * a new address). A configuration that fails validation is refused with the loader's message
 * (file:line and field) and the running one stays in force.
 */
export class ConfigReloader {
  /** Reloads run one at a time, in the order asked (two SIGHUPs in a row read the file twice). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ReloaderDeps) {}

  /** Re-reads the configuration source and applies it; refuses (and keeps the old one) when invalid. */
  reloadConfig(): Promise<ReloadResult> {
    const run = this.queue.then(() => this.reloadNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Applies an already validated configuration (config-set), with the same logging and counting. */
  apply(config: ServerConfig, source: string): ReloadResult {
    const before = this.deps.engine.config;
    this.deps.engine.replaceConfig(config);
    return this.applied(before, config, source);
  }

  private applied(before: ServerConfig, config: ServerConfig, source: string): ReloadResult {
    const message = `configuration applied from ${source}: ${describeChange(before, config)}`;
    this.deps.log.log('info', 'configuration reloaded', { source, subnets: config.subnets.length, change: describeChange(before, config) });
    this.deps.onResult?.(true, this.deps.clock());
    this.deps.onApplied?.(config, source);
    return { ok: true, message };
  }

  private async reloadNow(): Promise<ReloadResult> {
    const source = this.deps.sources.configFile ?? this.deps.sources.poolDir ?? this.deps.engine.config.source;
    if (this.deps.reloadVia) {
      const before = this.deps.engine.config;
      let r: { ok: true } | { ok: false; message: string };
      try {
        r = await this.deps.reloadVia();
      } catch (e) {
        r = { ok: false, message: `${source}: ${(e as Error).message ?? String(e)}` };
      }
      if (!r.ok) return this.refused(source, r.message);
      const after = this.deps.engine.config;
      return this.applied(before, after, after.source);
    }
    let config: ServerConfig;
    try {
      config = loadConfig(this.deps.sources);
    } catch (e) {
      // A bad file must never take a serving server down: every failure is a refusal.
      return this.refused(source, e instanceof ConfigError ? e.message : `${source}: ${(e as Error).message ?? String(e)}`);
    }
    return this.apply(config, config.source);
  }

  private refused(source: string, message: string): ReloadResult {
    this.deps.log.log('error', 'configuration refused; the running configuration stays in force', { source, reason: message });
    this.deps.onResult?.(false, this.deps.clock());
    return { ok: false, message };
  }
}

/** "2 subnets (was 2); subnet 1: ranges 10.0.0.100-10.0.0.199 → …" is too long for a log line: counts only. */
function describeChange(before: ServerConfig, after: ServerConfig): string {
  const ids = (c: ServerConfig): Set<number> => new Set(c.subnets.map((s) => s.id));
  const was = ids(before);
  const now = ids(after);
  const added = [...now].filter((id) => !was.has(id));
  const removed = [...was].filter((id) => !now.has(id));
  let text = `${after.subnets.length} subnet(s)`;
  if (added.length > 0) text += `, added ${added.join(',')}`;
  if (removed.length > 0) text += `, removed ${removed.join(',')} (their leases are kept until they expire)`;
  return text;
}

/**
 * SIGHUP → reloadConfig. Returns the remover. The outcome is logged by the reloader; a signal
 * has no one to answer.
 */
export function reloadOnSighup(reloader: ConfigReloader): () => void {
  const handler = (): void => void reloader.reloadConfig();
  process.on('SIGHUP', handler);
  return () => process.off('SIGHUP', handler);
}
