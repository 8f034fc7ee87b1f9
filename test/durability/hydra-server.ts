// The real `hydra` process on loopback (--bind 127.0.0.1 -U <port>), started and killed by tests.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';

/** dist/test/durability → dist/src/cli/main.js; HYDRA_IT_MAIN runs against another build. */
export const HYDRA_MAIN = process.env.HYDRA_IT_MAIN ?? fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The store module of the same build, for reading a data dir offline. */
export const STORE_MODULE = new URL('../../src/leases/embedded-store.js', import.meta.url).href;

/** A port free on both 127.0.0.1 (server) and 127.0.0.2 (relay), picked at random. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 30000 + Math.floor(Math.random() * 25000);
    const ok = await Promise.all(['127.0.0.1', '127.0.0.2'].map((a) => canBind(port, a)));
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no free UDP port found on 127.0.0.1/127.0.0.2 in 50 tries');
}

function canBind(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, address, () => s.close(() => resolve(true)));
  });
}

export class HydraProcess {
  private err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stderr!.on('data', (b: Buffer) => {
      // Keep the start of the log (load warnings) and a bounded tail.
      this.err += b.toString();
      if (this.err.length > 400_000) this.err = this.err.slice(0, 100_000) + '\n[…]\n' + this.err.slice(-200_000);
    });
    child.stdout!.resume();
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts hydra with `args` (after --bind/-U) and returns once it logs `serving`, or once it exits. */
  static async start(port: number, args: string[], opts: { waitServing?: boolean; timeoutMs?: number } = {}): Promise<HydraProcess> {
    const child = spawn(process.execPath, [HYDRA_MAIN, '--bind', '127.0.0.1', '-U', String(port), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A low compaction threshold, so that kills also land while the log is being compacted.
      env: { ...process.env, HYDRA_COMPACT_AFTER: process.env.HYDRA_COMPACT_AFTER ?? '300' },
    });
    const p = new HydraProcess(child);
    if (opts.waitServing === false) return p;
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    while (!/\bserving\b/.test(p.err)) {
      if (!p.running) throw new Error(`hydra exited before serving (code ${child.exitCode}, signal ${child.signalCode}):\n${p.err}`);
      if (Date.now() > deadline) {
        await p.kill('SIGKILL');
        throw new Error(`hydra did not log "serving" within ${opts.timeoutMs ?? 15_000} ms:\n${p.err}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}
