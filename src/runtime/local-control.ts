import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, extname, resolve, sep } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError } from '../config/config-error.js';
import type { ServerConfig } from '../config/model.js';
import { loadPoolDir } from '../config/pool-dir.js';
import { parseConfigText } from '../config/yaml-config.js';
import { checkOf, configFromDocument, documentFromConfig } from '../control/config-document.js';
import {
  ControlError,
  type ConfigCheck,
  type ConfigDocument,
  type LeaseDraft,
  type LeaseQuery,
  type PutResult,
  type ServerControl,
  type ServerStatus,
  type StatisticValue,
  type SubnetUsage,
} from '../control/server-control.js';
import { bytesEqual } from '../engine/bytes.js';
import { clientKeyOf } from '../engine/client-identity.js';
import type { DhcpEngine } from '../engine/engine.js';
import type { Lease, LeaseChange } from '../engine/types.js';
import { formatIpv4, type Ipv4 } from '../protocol/ipv4.js';
import type { ServerStatistics } from '../control/statistics.js';
import type { Counters } from './counters.js';
import type { DurableCommits } from './durable-commits.js';
import type { Logger } from './logger.js';

export interface LocalControlDeps {
  engine: DhcpEngine;
  commits: DurableCommits;
  counters: Counters;
  statistics: ServerStatistics;
  log: Logger;
  clock: () => number;
  /** Where the running configuration came from, for config-reload and config-write. */
  configFile?: string;
  poolDir?: string;
  /** Stops the process (the API has answered by then). */
  exit: (status: number) => void;
}


/**
 * ServerControl for today's single process: reads and writes go straight to the engine's lease
 * table, and every write goes through DurableCommits (the same path DHCP traffic takes) and is
 * durable before the promise resolves.
 */
export class LocalControl implements ServerControl {
  private readonly startedAt: number;
  private current: ConfigDocument;
  private enabled = true;
  private enableAt: number | null = null;
  private enableTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: LocalControlDeps) {
    this.startedAt = deps.clock();
    this.current = { document: this.initialDocument(deps.engine.config), source: deps.engine.config.source, appliedAt: this.startedAt };
  }

  /** Read by the packet path: false while dhcp-disable is in force. */
  get dhcpEnabled(): boolean {
    return this.enabled;
  }

  private initialDocument(config: ServerConfig): unknown {
    if (this.deps.configFile !== undefined) {
      try {
        return parseYaml(readFileSync(this.deps.configFile, 'utf8'));
      } catch {
        // The file changed since it was loaded: describe what actually runs.
      }
    }
    return documentFromConfig(config);
  }

  // ---- leases ----

  private visible(): Lease[] {
    const out: Lease[] = [];
    for (const l of this.deps.engine.leases.all()) if (l.state !== 'offered') out.push(l);
    return out.sort((a, b) => a.address - b.address);
  }

  async leases(q: LeaseQuery): Promise<Lease[]> {
    const all = this.visible();
    switch (q.kind) {
      case 'all':
        return q.subnets ? all.filter((l) => q.subnets!.includes(l.subnetId)) : all;
      case 'hw-address':
        return all.filter((l) => bytesEqual(l.hwAddress, q.hwAddress));
      case 'client-id':
        return all.filter((l) => l.clientId !== null && bytesEqual(l.clientId, q.clientId));
      case 'hostname':
        return all.filter((l) => l.hostname !== null && l.hostname.toLowerCase() === q.hostname.toLowerCase());
      case 'client':
        return all.filter(
          (l) =>
            l.subnetId === q.subnetId &&
            (q.hwAddress ? bytesEqual(l.hwAddress, q.hwAddress) : true) &&
            (q.clientId ? l.clientId !== null && bytesEqual(l.clientId, q.clientId) : true),
        );
    }
  }

  async leasePage(after: Ipv4 | null, limit: number): Promise<Lease[]> {
    return this.visible()
      .filter((l) => after === null || l.address >>> 0 > after >>> 0)
      .slice(0, limit);
  }

  async getLease(address: Ipv4): Promise<Lease | undefined> {
    const l = this.deps.engine.leases.get(address);
    return l && l.state !== 'offered' ? l : undefined;
  }

  async putLease(draft: LeaseDraft, mode: 'add' | 'update' | 'upsert'): Promise<PutResult> {
    const { engine } = this.deps;
    const now = this.deps.clock();
    const pool = draft.subnetId === null ? engine.pools.containing(draft.address) : engine.pools.byId.get(draft.subnetId);
    if (!pool) {
      const which = draft.subnetId === null ? `no configured subnet holds ${formatIpv4(draft.address)}` : `subnet-id ${draft.subnetId} is not configured`;
      return { ok: false, reason: 'no-subnet', message: which };
    }
    if (!pool.contains(draft.address)) {
      return { ok: false, reason: 'no-subnet', message: `${formatIpv4(draft.address)} is not in subnet ${pool.id} (${formatIpv4(pool.networkAddress)}/${pool.subnet.prefixLength})` };
    }
    const issuedAt = draft.issuedAt ?? now;
    const lease: Lease = {
      address: draft.address,
      subnetId: pool.id,
      clientKey: clientKeyOf(draft.clientId, draft.hwType, draft.hwAddress),
      hwType: draft.hwType,
      hwAddress: draft.hwAddress,
      clientId: draft.clientId,
      hostname: draft.hostname,
      state: draft.state,
      issuedAt,
      expiresAt: issuedAt + (draft.validLifetime ?? pool.subnet.leaseTimes.default),
    };
    const before = engine.leases.get(lease.address);
    // An offer in flight belongs to a client mid-handshake; overwriting it would hand the address out twice.
    if (before?.state === 'offered' && before.expiresAt > now) {
      return { ok: false, reason: 'offered', message: 'the address is being offered to a client right now; try again in a few seconds' };
    }
    const exists = before !== undefined && before.state !== 'offered';
    if (mode === 'add' && exists) return { ok: false, reason: 'exists', message: 'IPv4 lease already exists.' };
    if (mode === 'update' && !exists) return { ok: false, reason: 'missing', message: 'no such lease' };
    await this.write([{ kind: 'upsert', lease }], () => engine.leases.upsert(lease));
    return { ok: true };
  }

  async deleteLease(address: Ipv4): Promise<boolean> {
    if (!(await this.getLease(address))) return false;
    await this.write([{ kind: 'delete', address }], () => this.deps.engine.leases.delete(address));
    return true;
  }

  async wipeLeases(subnetId?: number): Promise<number> {
    const doomed = this.visible().filter((l) => subnetId === undefined || l.subnetId === subnetId);
    if (doomed.length === 0) return 0;
    const changes: LeaseChange[] = doomed.map((l) => ({ kind: 'delete', address: l.address }));
    await this.write(changes, () => {
      for (const l of doomed) this.deps.engine.leases.delete(l.address);
    });
    return doomed.length;
  }

  /** Table first (as the engine does), then the durable commit; a failed commit is retried with the next one. */
  private async write(changes: LeaseChange[], apply: () => void): Promise<void> {
    apply();
    try {
      await this.deps.commits.commit(changes);
    } catch (e) {
      throw new ControlError(`the lease store did not accept the change: ${(e as Error).message}`);
    }
  }

  // ---- statistics and pools ----
  // Kept in step by ServerStatistics (lease gauges follow LeaseTable.subscribe): no table scan per call.

  async statistics(): Promise<Map<string, StatisticValue>> {
    return this.deps.statistics.values();
  }

  async resetStatistic(name?: string): Promise<boolean> {
    return this.deps.statistics.reset(name);
  }

  async pools(): Promise<SubnetUsage[]> {
    return this.deps.statistics.usage();
  }

  // ---- configuration ----

  async config(): Promise<ConfigDocument> {
    return structuredClone(this.current);
  }

  async testConfig(document: unknown): Promise<ConfigCheck> {
    return checkOf(configFromDocument(document, 'config'));
  }

  async setConfig(document: unknown): Promise<ConfigCheck> {
    const r = configFromDocument(document, 'config');
    if (!r.ok) return r;
    this.apply(r.config, structuredClone(document), 'config-set');
    return { ok: true };
  }

  async reloadConfig(): Promise<ConfigCheck> {
    const { configFile, poolDir } = this.deps;
    try {
      if (poolDir !== undefined) {
        const config = loadPoolDir(poolDir);
        this.apply(config, documentFromConfig(config), poolDir);
      } else {
        const file = configFile ?? this.deps.engine.config.source;
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          return { ok: false, message: `${file}: cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
        }
        // The file's own text is checked, so messages carry its real line numbers.
        const config = parseConfigText(text, file);
        this.apply(config, parseYaml(text), file);
      }
      return { ok: true };
    } catch (e) {
      if (e instanceof ConfigError) return { ok: false, message: e.message };
      throw e;
    }
  }

  private apply(config: ServerConfig, document: unknown, source: string): void {
    this.deps.engine.replaceConfig(config);
    this.current = { document, source, appliedAt: this.deps.clock() };
    this.deps.log.log('info', 'configuration applied', { source, subnets: config.subnets.length });
  }

  async writeConfig(path?: string): Promise<{ path: string; size: number }> {
    const { configFile, poolDir } = this.deps;
    // config-write may only write beside the configuration the server was started with: an API
    // caller must not be able to overwrite arbitrary files with the server's privileges.
    const home = configFile !== undefined ? dirname(resolve(configFile)) : poolDir !== undefined ? resolve(poolDir) : null;
    if (home === null) throw new ControlError('the server runs on its built-in default configuration: there is no configuration directory to write to');
    if (path === undefined && configFile === undefined) throw new ControlError('the configuration came from a pool directory: give "filename" (a .yaml or .json file in that directory)');
    const target = resolve(home, path ?? configFile!);
    if (!target.startsWith(home + sep)) throw new ControlError(`filename must be inside the configuration directory ${home}`);
    const ext = extname(target).toLowerCase();
    if (!['.json', '.yaml', '.yml'].includes(ext)) throw new ControlError('filename must end in .json, .yaml or .yml');
    const doc = this.current.document;
    const text = ext === '.json' ? JSON.stringify(doc, null, 2) + '\n' : stringifyYaml(doc);
    try {
      await writeFile(target, text);
    } catch (e) {
      throw new ControlError(`cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    return { path: target, size: Buffer.byteLength(text) };
  }

  // ---- service ----

  async status(): Promise<ServerStatus> {
    const now = this.deps.clock();
    const { engine } = this.deps;
    return {
      pid: process.pid,
      uptime: Math.floor(now - this.startedAt),
      reload: Math.floor(now - this.current.appliedAt),
      dhcpEnabled: this.enabled,
      dhcpEnabledAt: this.enableAt,
      leases: this.visible().length,
      subnets: engine.config.subnets.length,
      workers: 1,
      configSource: this.current.source,
    };
  }

  async setDhcpEnabled(enabled: boolean, maxPeriodSeconds?: number): Promise<void> {
    if (this.enableTimer) clearTimeout(this.enableTimer);
    this.enableTimer = null;
    this.enableAt = null;
    this.enabled = enabled;
    if (!enabled && maxPeriodSeconds !== undefined) {
      this.enableAt = this.deps.clock() + maxPeriodSeconds;
      this.enableTimer = setTimeout(() => {
        this.enabled = true;
        this.enableAt = null;
        this.enableTimer = null;
        this.deps.log.log('info', 'DHCP service re-enabled (max-period elapsed)');
      }, maxPeriodSeconds * 1000);
      this.enableTimer.unref();
    }
    this.deps.log.log('info', enabled ? 'DHCP service enabled' : 'DHCP service disabled', { maxPeriod: maxPeriodSeconds });
  }

  async reclaim(remove: boolean): Promise<number> {
    const { engine, clock } = this.deps;
    const reclaimed = engine.reclaimExpired(clock(), Number.MAX_SAFE_INTEGER);
    if (reclaimed.length === 0) return 0;
    const changes = [...reclaimed];
    if (remove) {
      // Kea's "remove": the expired records go too, instead of staying for the client's return.
      for (const c of reclaimed) {
        if (c.kind !== 'upsert') continue;
        engine.leases.delete(c.lease.address);
        changes.push({ kind: 'delete', address: c.lease.address });
      }
    }
    this.deps.counters.add('reclaimed-leases', reclaimed.length);
    await this.write(changes, () => undefined);
    return reclaimed.length;
  }

  async shutdown(exitValue: number): Promise<void> {
    this.stopTimers();
    // Leave the HTTP answer time to go out before the process stops.
    setTimeout(() => this.deps.exit(exitValue), 100).unref();
  }

  stopTimers(): void {
    if (this.enableTimer) clearTimeout(this.enableTimer);
    this.enableTimer = null;
  }
}
