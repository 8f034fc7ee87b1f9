// Starts the real `hydra` command inside a test namespace and waits until it listens on port 67.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NetLab, type Proc, waitFor } from './netns.js';

/** dist/test/support/hydra.js → dist/src/cli/main.js; HYDRA_IT_MAIN runs the suite against another build. */
export const HYDRA_MAIN = process.env.HYDRA_IT_MAIN ?? fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface HydraOptions {
  /** YAML configuration text (--config), or */
  config?: string;
  /** seed-style pool files by file name, written to a pool directory (-D). */
  pools?: Record<string, string>;
  /** -I: the interface to serve; omitted to serve every interface. */
  iface?: string;
  serverId?: string;
  extraArgs?: string[];
  /** Name for the log file and data dir; defaults to "hydra". */
  label?: string;
}

/**
 * Runs `node dist/src/cli/main.js (--config … | -D …) -U 67 [-I iface] --data-dir … -v` in `ns`.
 * Readiness: a socket bound to port 67 shows up in the namespace (a fresh namespace holds no other).
 */
export async function startHydra(lab: NetLab, ns: string, opts: HydraOptions): Promise<Proc> {
  if (!existsSync(HYDRA_MAIN)) throw new Error(`${HYDRA_MAIN} is missing: build first (npx tsc -p .)`);
  const label = opts.label ?? 'hydra';
  const dataDir = join(lab.dir, `${label}-data`);
  await mkdir(dataDir, { recursive: true });
  const args = [HYDRA_MAIN];
  if (opts.config !== undefined) {
    const configPath = join(lab.dir, `${label}.yaml`);
    await writeFile(configPath, opts.config);
    args.push('--config', configPath);
  }
  if (opts.pools !== undefined) {
    const poolDir = join(lab.dir, `${label}-pools`);
    await mkdir(poolDir, { recursive: true });
    for (const [name, text] of Object.entries(opts.pools)) await writeFile(join(poolDir, name), text);
    args.push('-D', poolDir);
  }
  args.push('-U', '67', '--data-dir', dataDir, '-v');
  if (opts.iface) args.push('-I', opts.iface);
  if (opts.serverId) args.push('--server-id', opts.serverId);
  args.push(...(opts.extraArgs ?? []));
  const proc = lab.spawn(ns, label, process.execPath, args);
  await waitFor(`hydra to bind port 67 in ${ns}`, async () => {
    if (!proc.running) throw new Error(`hydra exited early (code ${proc.exitCode}, signal ${proc.exitSignal}):\n${proc.tail()}`);
    const udp = await lab.exec(ns, 'ss', ['-H', '-uan', 'sport = :67'], { allowFail: true });
    const raw = await lab.exec(ns, 'ss', ['-H', '-0', '-anp'], { allowFail: true });
    return udp.stdout.trim().length > 0 || (proc.pid !== undefined && raw.stdout.includes(`pid=${proc.pid},`));
  }, 15_000, 100);
  return proc;
}

/** The settings every namespace test shares, followed by its `subnets:` list (subnetYaml blocks). */
export function labConfig(...subnets: string[]): string {
  return `authoritative: true
offer-hold: 30
decline-probation: 3600
lease-time: { default: 600, min: 60, max: 3600 }
subnets:
${subnets.join('')}`;
}

/** Option values a subnet block may override; by default DNS is the router (.1) and the domain hydra.test. */
export interface SubnetOptions {
  dns?: string;
  domain?: string;
}

/** The standard test subnet block for `subnet` a.b.c.0/24 with server/router at .1. */
export function subnetYaml(id: number, prefix: string, pool: string, extra = '', opts: SubnetOptions = {}): string {
  const dns = opts.dns ?? `${prefix}.1`;
  const domain = opts.domain ?? 'hydra.test';
  return `  - id: ${id}
    subnet: ${prefix}.0/24
    pools: [ "${pool}" ]
    options: { routers: [${prefix}.1], domain-name-servers: [${dns}], domain-name: ${domain} }
${extra}`;
}
