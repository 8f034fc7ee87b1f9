import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './lease-store.js';
import { isNotFound } from './store-io.js';

/** Directories this process holds, so a lock naming our own PID is told apart from a stale one. */
const heldHere = new Set<string>();

export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * One server per data directory: a `lock` file holding the owner's PID. It is written under a
 * private name and hard-linked into place, which fails when `lock` exists (exclusive like
 * O_EXCL) and never shows a half-written lock to another process. A lock whose PID is gone is
 * stale (the owner crashed) and is taken over with a warning.
 */
export async function lockDataDir(
  dir: string,
  warn: (message: string, fields: Record<string, unknown>) => void,
): Promise<DirLock> {
  const path = join(dir, 'lock');
  const mine = join(dir, `lock.${process.pid}.tmp`);
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, path);
        heldHere.add(dir);
        return {
          path,
          async release() {
            heldHere.delete(dir);
            const owner = await readFile(path, 'utf8').catch(() => '');
            if (Number.parseInt(owner, 10) === process.pid) await unlink(path).catch(() => undefined);
          },
        };
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
      }
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (isNotFound(err)) continue; // released meanwhile: try again
        throw err;
      }
      const pid = /^\d+\s*$/.test(text) ? Number.parseInt(text, 10) : NaN;
      const ours = pid === process.pid;
      if (Number.isInteger(pid) && pid > 0 && (ours ? heldHere.has(dir) : alive(pid))) {
        throw new StoreError(
          `lease store ${dir} is in use by process ${pid} (lock file ${path}); ` +
            'stop that server first, or remove the lock file if that process is not Hydra',
        );
      }
      warn('lease store: taking over a stale lock', { lock: path, pid: Number.isNaN(pid) ? text.slice(0, 40) : pid });
      await unlink(path).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
    throw new StoreError(`lease store ${dir}: could not take the lock ${path} (another process keeps taking it)`);
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}
