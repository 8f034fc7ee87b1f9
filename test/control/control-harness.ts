// A real `hydra` process on loopback with its management API, for the control tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export const CONFIG_YAML = `lease-time: 600
subnets:
  - id: 1
    name: lab
    subnet: 10.77.0.0/24
    pools: [10.77.0.100-10.77.0.199]
    options: { routers: [10.77.0.1] }
  - id: 2
    name: side
    subnet: 10.78.0.0/24
    pools: [10.78.0.10-10.78.0.19]
`;

export interface Hydra {
  proc: ChildProcess;
  dir: string;
  configFile: string;
  udpPort: number;
  url: string;
  stderr(): string;
  stop(): Promise<number | null>;
}

export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'hydra-control-'));
}

/** Starts hydra with --config (written to `dir`), waits for its "serving" record. */
export async function startHydra(opts: { dir: string; udpPort: number; controlPort: number; extra?: string[]; env?: Record<string, string>; config?: string }): Promise<Hydra> {
  const configFile = join(opts.dir, 'hydra.yaml');
  if (opts.config !== undefined || !existsSync(configFile)) writeFileSync(configFile, opts.config ?? CONFIG_YAML);
  const proc = spawn(process.execPath, [
    MAIN, '--config', configFile, '--bind', '127.0.0.1', '-U', String(opts.udpPort),
    '--control', `127.0.0.1:${opts.controlPort}`, '--data-dir', join(opts.dir, 'data'), '--log-format', 'json', ...(opts.extra ?? []),
  ], { cwd: opts.dir, env: { ...process.env, ...(opts.env ?? {}) } });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const deadline = Date.now() + 10_000;
  while (!/"msg":"serving"/.test(err)) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`hydra did not start:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  return {
    proc, dir: opts.dir, configFile, udpPort: opts.udpPort, url: `http://127.0.0.1:${opts.controlPort}/`,
    stderr: () => err,
    stop: () => stopProcess(proc),
  };
}

export async function stopProcess(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  const done = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  const code = await done;
  clearTimeout(timer);
  return code;
}

/** Waits for the process to exit by itself (bounded). */
export async function exited(proc: ChildProcess, ms: number): Promise<number | null> {
  if (proc.exitCode !== null) return proc.exitCode;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process still running after ${ms} ms`)), ms);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export interface Answer {
  status: number;
  body: any;
}

/** POSTs raw text (or a JSON value) to the API. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

export async function command(url: string, name: string, args?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const r = await post(url, args === undefined ? { command: name } : { command: name, arguments: args }, headers);
  if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Runs `hydra ...args` to completion (the subcommands). */
export function hydraCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, ...env } });
}
