// The scratch directory, config file, server and fake relay a load test under SIGKILL works with;
// registers the after() hook that kills what is left and removes the directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { RelayClient } from '../support/relay-client.js';
import type { HydraProcess } from './hydra-server.js';
import { sleep } from './seeded.js';

export interface LoadRig {
  readonly work: string;
  readonly dataDir: string;
  readonly configFile: string;
  /** Set by the test; killed (SIGKILL) after it. */
  server: HydraProcess | null;
  relay: RelayClient | null;
}

export interface LoadRigOptions {
  /** mkdtemp prefix under the system temp dir, e.g. hydra-crash-. */
  prefix: string;
  config: string;
  /** The environment variable that, set to 1, keeps the directory for inspection. */
  keepEnv: string;
  /** A pause after the SIGKILL before removing the directory (processes the server started may still write). */
  settleMs?: number;
}

/** Call inside describe(): the directory exists at once, the cleanup runs after the suite. */
export function loadRig(opts: LoadRigOptions): LoadRig {
  const work = mkdtempSync(join(tmpdir(), opts.prefix));
  const rig: LoadRig = { work, dataDir: join(work, 'data'), configFile: join(work, 'hydra.yaml'), server: null, relay: null };
  writeFileSync(rig.configFile, opts.config);
  after(async () => {
    rig.relay?.close();
    await rig.server?.kill('SIGKILL');
    if (opts.settleMs !== undefined) await sleep(opts.settleMs);
    if (process.env[opts.keepEnv] !== '1') rmSync(work, { recursive: true, force: true });
  });
  return rig;
}
