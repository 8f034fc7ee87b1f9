// Where Hydra mode keeps its leases: one embedded store per worker in <data-dir>/shard-K-of-N/,
// and <data-dir>/layout.json saying which N the stores are sharded for, which address ranges
// the blocks were cut from, and which addresses are carried (shard-config.ts). A single worker
// (-P 1) uses <data-dir> itself, as before Hydra mode; with no layout.json nothing here runs.
//
// Re-sharding (N or the ranges changed): every old store is loaded, every lease is written to
// the new store of shardOf(its client's hardware address, newN), in a staging directory, each
// store synced; the new stores are renamed into place and the directory synced; only then is
// layout.json replaced (written, synced, renamed, synced) — that rename is the commit point.
// Before it, the old layout is authoritative and the old stores are untouched (a crash leaves
// only staging leftovers, removed at the next start, and the re-shard is redone); after it the
// new stores are complete and durable, and the old ones are leftovers. So no crash moment
// loses a lease or leaves it in two authoritative stores. The layout is the only truth:
// whatever store files it does not name are deleted at start.
import { mkdir, readdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServerConfig } from '../config/model.js';
import type { Lease } from '../engine/types.js';
import { lockDataDir, type DirLock } from '../leases/data-dir-lock.js';
import { openEmbeddedStore, type EmbeddedStore } from '../leases/embedded-store.js';
import { StoreError } from '../leases/lease-store.js';
import { LOG, NEXT_LOG, SNAPSHOT } from '../leases/store-files.js';
import type { Logger } from './logger.js';
import { blockOwner, type CarriedAddress } from './shard-config.js';
import { shardOf } from './shard-of-client.js';

export const LAYOUT_FILE = 'layout.json';
const STAGING = 'reshard.tmp';
const FORMAT = 'hydra-layout/1';
const STORE_FILES = [SNAPSHOT, LOG, NEXT_LOG];
const SHARD_DIR = /^shard-(\d+)-of-(\d+)$/;

export interface Layout {
  workers: number;
  /** The ranges the blocks were cut from (rangesFingerprint): other ranges mean other blocks. */
  ranges: string;
  carried: CarriedAddress[];
}

/** A worker's store directory: the data dir itself for a single worker. */
export function shardDir(dataDir: string, k: number, n: number): string {
  return n <= 1 ? resolve(dataDir) : join(resolve(dataDir), `shard-${k}-of-${n}`);
}

export function rangesFingerprint(config: ServerConfig): string {
  return config.subnets.map((s) => `${s.id}:${s.ranges.map((r) => `${r.start >>> 0}-${r.end >>> 0}`).join(',')}`).join(';');
}

export async function readLayout(dataDir: string): Promise<Layout | null> {
  const path = join(resolve(dataDir), LAYOUT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const j = JSON.parse(text) as { format?: unknown; workers?: unknown; ranges?: unknown; carried?: unknown };
    if (j.format !== FORMAT || !Number.isInteger(j.workers) || (j.workers as number) < 1 || typeof j.ranges !== 'string' || !Array.isArray(j.carried)) {
      throw new Error(`not a ${FORMAT} file`);
    }
    const carried = (j.carried as unknown[]).map((c) => {
      if (!Array.isArray(c) || !Number.isInteger(c[0]) || !Number.isInteger(c[1])) throw new Error('bad carried entry');
      return { address: c[0] as number, shard: c[1] as number };
    });
    return { workers: j.workers as number, ranges: j.ranges, carried };
  } catch (err) {
    throw new StoreError(`${path}: ${(err as Error).message}; it says how the lease stores are sharded, restore it or remove the data dir`);
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeLayout(dir: string, layout: Layout): Promise<void> {
  const tmp = join(dir, LAYOUT_FILE + '.tmp');
  const body = JSON.stringify({ format: FORMAT, workers: layout.workers, ranges: layout.ranges, carried: layout.carried.map((c) => [c.address, c.shard]) });
  await writeFile(tmp, body + '\n');
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, LAYOUT_FILE));
  await syncDir(dir);
}

const hasStoreFiles = (dir: string): boolean => STORE_FILES.some((f) => existsSync(join(dir, f)));

/** Removes what the layout does not name: staging, shard dirs of another N, top-level stores when sharded. */
async function removeLeftovers(dir: string, n: number, log: Logger): Promise<void> {
  await rm(join(dir, STAGING), { recursive: true, force: true });
  for (const name of await readdir(dir)) {
    const m = SHARD_DIR.exec(name);
    if (m && (n <= 1 || Number(m[2]) !== n)) {
      log.log('info', 'hydra mode: removing a lease store the layout no longer names', { dir: join(dir, name) });
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
  if (n > 1) {
    for (const f of STORE_FILES) await rm(join(dir, f), { force: true });
  }
}

/**
 * Makes <data-dir> hold stores sharded for `n` workers and `config`'s ranges, re-sharding when it
 * held another layout. Call before any worker opens its store. Returns the layout to serve with.
 */
export async function prepareLayout(dataDir: string, n: number, config: ServerConfig, log: Logger): Promise<Layout> {
  const dir = resolve(dataDir);
  const ranges = rangesFingerprint(config);
  const current = await readLayout(dir);
  // The single-worker server of before Hydra mode: nothing to do, nothing changes.
  if (n === 1 && (current === null || current.workers === 1)) return { workers: 1, ranges, carried: [] };
  await mkdir(dir, { recursive: true });
  const from = current?.workers ?? 1;
  if (current && current.workers === n && (n === 1 || current.ranges === ranges)) {
    const lock = await lockDataDir(dir, (m, f) => log.log('warn', m, f));
    try {
      await removeLeftovers(dir, n, log);
    } finally {
      await lock.release();
    }
    return current;
  }
  return reshard(dir, from, n, config, ranges, log);
}

async function reshard(dir: string, from: number, to: number, config: ServerConfig, ranges: string, log: Logger): Promise<Layout> {
  const started = Date.now();
  const storeLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void => log.log(level, msg, fields);
  // The top-level lock keeps another hydra off the data dir; a single old store holds it itself.
  const singleSource = from === 1 && hasStoreFiles(dir);
  let topLock: DirLock | null = singleSource ? null : await lockDataDir(dir, (m, f) => log.log('warn', m, f));
  const sources: EmbeddedStore[] = [];
  try {
    const sourceDirs = singleSource ? [dir] : from === 1 ? [] : Array.from({ length: from }, (_, k) => shardDir(dir, k, from));
    const leases: Lease[] = [];
    for (const d of sourceDirs) {
      if (d !== dir && !existsSync(d)) continue;
      const store = await openEmbeddedStore({ dataDir: d, log: storeLog });
      sources.push(store);
      const loaded = await store.load();
      for (const l of loaded.leases) leases.push(l);
    }
    const target = (l: Lease): number => (to > 1 ? shardOf(l.hwAddress, to) : 0);
    const carried: CarriedAddress[] = [];
    if (to > 1) {
      for (const l of leases) {
        const t = target(l);
        const owner = blockOwner(config, l.address, to);
        if (owner !== null && owner !== t) carried.push({ address: l.address >>> 0, shard: t });
      }
    }
    if (from !== to) {
      const staging = join(dir, STAGING);
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging);
      const perShard: Lease[][] = Array.from({ length: to }, () => []);
      for (const l of leases) perShard[target(l)]!.push(l);
      const names = Array.from({ length: to }, (_, k) => (to > 1 ? `shard-${k}-of-${to}` : 'single'));
      for (let k = 0; k < to; k++) {
        const store = await openEmbeddedStore({ dataDir: join(staging, names[k]!), log: storeLog });
        try {
          await store.load();
          if (perShard[k]!.length > 0) await store.commit(perShard[k]!.map((lease) => ({ kind: 'upsert' as const, lease })));
        } finally {
          await store.close();
        }
      }
      if (to > 1) {
        for (const name of names) {
          await rm(join(dir, name), { recursive: true, force: true }); // a crashed earlier attempt's
          await rename(join(staging, name), join(dir, name));
        }
      } else {
        // Top-level store files are leftovers while the layout says sharded: replace them.
        for (const f of STORE_FILES) {
          await rm(join(dir, f), { force: true });
          if (existsSync(join(staging, 'single', f))) await rename(join(staging, 'single', f), join(dir, f));
        }
      }
      await syncDir(dir);
    }
    const layout: Layout = { workers: to, ranges, carried };
    await writeLayout(dir, layout); // the commit point
    for (const s of sources.splice(0)) await s.close();
    if (!topLock) topLock = await lockDataDir(dir, (m, f) => log.log('warn', m, f));
    await removeLeftovers(dir, to, log);
    log.log('info', 'hydra mode: lease stores re-sharded', {
      from, to, leases: leases.length, carried: carried.length, ms: Date.now() - started,
    });
    return layout;
  } finally {
    for (const s of sources) await s.close().catch(() => undefined);
    await topLock?.release();
  }
}
