import { parseArgs } from 'node:util';
import { RESULT, type KeaAnswer } from '../control/kea-answer.js';
import type { KeaLease4 } from '../control/kea-lease-json.js';
import { parseIpv4 } from '../protocol/ipv4.js';
import { CliError } from './cli-error.js';
import { CONTROL_FLAGS, ControlUnreachable, controlTarget, sendCommand, type ControlTarget } from './control-client.js';
import { textTable } from './text-table.js';

// `hydra leases list|show|release`, `hydra pools`, `hydra stats`, `hydra reload`, `hydra status`:
// each is one API command, printed as a table (or the answer's arguments with --json).

export interface RemoteOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: RemoteOutput = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

export const REMOTE_COMMANDS = ['pools', 'stats', 'reload', 'status'] as const;
export const REMOTE_LEASE_COMMANDS = ['list', 'show', 'release'] as const;

export function remoteUsage(): string {
  return `Usage: hydra leases list [--subnet ID]    every lease (not offers), one per line
       hydra leases show ADDR             one lease in full
       hydra leases release ADDR          delete the lease: the address is free again
       hydra pools                        address usage per subnet and range
       hydra stats                        statistics (Kea names: pkt4-received, subnet[1].assigned-addresses, ...)
       hydra reload                       re-read the configuration file (refused configs change nothing)
       hydra status                       pid, uptime, time since reload, DHCP enabled, leases

These talk to a running server's management API.
  --control URL|ADDR:PORT     where it listens (default http://127.0.0.1:8067; env HYDRA_CONTROL)
  --control-token TOKEN       Bearer token (env HYDRA_CONTROL_TOKEN)
  --control-user USER, --control-password PASSWORD
                              Basic credentials (env HYDRA_CONTROL_USER, HYDRA_CONTROL_PASSWORD)
  --json                      print the API's JSON answer arguments instead of a table

Exit status: 0 done, 1 the server refused or could not be reached, 2 a mistake on the command line,
3 nothing found (leases show).
`;
}

const STATE_NAMES: Record<number, string> = { 0: 'assigned', 1: 'declined', 2: 'expired' };

function expiresText(l: KeaLease4, now: number): string {
  const end = l.cltt + l['valid-lft'];
  const left = Math.round(end - now);
  const at = new Date(end * 1000).toISOString().replace('T', ' ').slice(0, 19);
  return left > 0 ? `${at} (in ${duration(left)})` : `${at} (${duration(-left)} ago)`;
}

function duration(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function leaseRows(leases: KeaLease4[], now: number): string {
  return textTable(
    ['ADDRESS', 'HW-ADDRESS', 'CLIENT-ID', 'HOSTNAME', 'SUBNET', 'STATE', 'EXPIRES (UTC)'],
    leases.map((l) => [
      l['ip-address'], l['hw-address'] || '-', l['client-id'] ?? '-', l.hostname || '-', l['subnet-id'],
      STATE_NAMES[l.state] ?? String(l.state), expiresText(l, now),
    ]),
  );
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

interface PoolJson {
  'subnet-id': number; name: string; subnet: string; 'total-addresses': number; 'assigned-addresses': number;
  'declined-addresses': number; reservations: number;
  ranges: { pool: string; 'total-addresses': number; 'assigned-addresses': number; 'declined-addresses': number }[];
}

/** Runs `hydra <sub> ...` (or `hydra leases <sub> ...` with `leases` true); returns the exit status. */
export async function runRemoteCommand(sub: string, argv: string[], leases: boolean, out: RemoteOutput = processOutput): Promise<number> {
  const name = leases ? `leases ${sub}` : sub;
  const fail = (message: string, status: number): number => {
    out.stderr(`hydra ${name}: ${message}\n`);
    return status;
  };
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: { ...CONTROL_FLAGS, subnet: { type: 'string' } }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new CliError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
    }
    const v = parsed.values;
    if (v.help) {
      out.stdout(remoteUsage());
      return 0;
    }
    const target = controlTarget(v);
    const pos = parsed.positionals;
    const wantsAddress = leases && (sub === 'show' || sub === 'release');
    if (pos.length !== (wantsAddress ? 1 : 0)) {
      throw new CliError(wantsAddress ? `expected one address: hydra leases ${sub} ADDR` : `unexpected argument '${pos[0]}'`);
    }
    if (v.subnet !== undefined && !(leases && sub === 'list')) throw new CliError('--subnet goes with hydra leases list');
    if (wantsAddress && parseIpv4(pos[0]!) === null) throw new CliError(`'${pos[0]}' is not an IPv4 address`);
    return await run(sub, leases, pos[0], v.subnet, v.json ?? false, target, out, fail);
  } catch (e) {
    if (e instanceof CliError) return fail(e.message, 2);
    if (e instanceof ControlUnreachable) return fail(e.message, 1);
    throw e;
  }
}

async function run(
  sub: string, leases: boolean, addr: string | undefined, subnet: string | undefined, json: boolean,
  target: ControlTarget, out: RemoteOutput, fail: (m: string, s: number) => number,
): Promise<number> {
  const now = Date.now() / 1000;
  const ask = async (command: string, args?: Record<string, unknown>): Promise<KeaAnswer> => sendCommand(target, command, args);
  const printJson = (a: KeaAnswer): number => {
    out.stdout(JSON.stringify(a.arguments ?? {}, null, 2) + '\n');
    return 0;
  };
  const refused = (a: KeaAnswer): number => fail(a.text ?? `result ${a.result}`, 1);

  if (leases && sub === 'list') {
    let subnets: number[] | undefined;
    if (subnet !== undefined) {
      if (!/^\d+$/.test(subnet) || Number(subnet) < 1) throw new CliError(`--subnet: expected a subnet id, got '${subnet}'`);
      subnets = [Number(subnet)];
    }
    const a = await ask('lease4-get-all', subnets ? { subnets } : undefined);
    if (a.result !== RESULT.SUCCESS && a.result !== RESULT.EMPTY) return refused(a);
    if (json) return printJson(a);
    const list = (a.arguments as { leases: KeaLease4[] }).leases;
    out.stdout(list.length === 0 ? 'no leases\n' : leaseRows(list, now));
    return 0;
  }
  if (leases && sub === 'show') {
    const a = await ask('lease4-get', { 'ip-address': addr });
    if (a.result === RESULT.EMPTY) return fail(`no lease for ${addr}`, 3);
    if (a.result !== RESULT.SUCCESS) return refused(a);
    if (json) return printJson(a);
    const l = a.arguments as KeaLease4;
    out.stdout(textTable(['FIELD', 'VALUE'], [
      ['address', l['ip-address']], ['hw-address', l['hw-address'] || '-'], ['client-id', l['client-id'] ?? '-'],
      ['hostname', l.hostname || '-'], ['subnet-id', String(l['subnet-id'])], ['state', STATE_NAMES[l.state] ?? String(l.state)],
      ['issued (UTC)', new Date(l.cltt * 1000).toISOString().replace('T', ' ').slice(0, 19)],
      ['valid-lft', `${l['valid-lft']}s`], ['expires (UTC)', expiresText(l, now)],
    ]));
    return 0;
  }
  if (leases && sub === 'release') {
    const a = await ask('lease4-del', { 'ip-address': addr });
    if (a.result === RESULT.EMPTY) return fail(`no lease for ${addr}`, 3);
    if (a.result !== RESULT.SUCCESS) return refused(a);
    if (json) return printJson({ result: 0, arguments: { released: addr } });
    out.stdout(`released ${addr}\n`);
    return 0;
  }
  if (sub === 'pools') {
    const a = await ask('pools-get');
    if (a.result !== RESULT.SUCCESS) return refused(a);
    if (json) return printJson(a);
    const rows: (string | number)[][] = [];
    for (const s of (a.arguments as { pools: PoolJson[] }).pools) {
      rows.push([s['subnet-id'], s.name, s.subnet, s['total-addresses'], s['assigned-addresses'], s['declined-addresses'],
        percent(s['assigned-addresses'] + s['declined-addresses'], s['total-addresses'])]);
      for (const r of s.ranges) {
        rows.push(['', '', `  ${r.pool}`, r['total-addresses'], r['assigned-addresses'], r['declined-addresses'],
          percent(r['assigned-addresses'] + r['declined-addresses'], r['total-addresses'])]);
      }
    }
    out.stdout(textTable(['SUBNET', 'NAME', 'NETWORK / RANGE', 'TOTAL', 'ASSIGNED', 'DECLINED', 'USED'], rows));
    return 0;
  }
  if (sub === 'stats') {
    const a = await ask('statistic-get-all');
    if (a.result !== RESULT.SUCCESS) return refused(a);
    if (json) return printJson(a);
    const stats = a.arguments as Record<string, [number, string][]>;
    out.stdout(textTable(['STATISTIC', 'VALUE'], Object.entries(stats).map(([k, v]) => [k, v[0]?.[0] ?? 0])));
    return 0;
  }
  if (sub === 'reload') {
    const a = await ask('config-reload');
    if (a.result !== RESULT.SUCCESS) return refused(a);
    if (json) return printJson({ result: 0, arguments: { reloaded: true } });
    out.stdout(`${a.text}\n`);
    return 0;
  }
  if (sub === 'status') {
    const a = await ask('status-get');
    if (a.result !== RESULT.SUCCESS) return refused(a);
    if (json) return printJson(a);
    const s = a.arguments as Record<string, unknown>;
    out.stdout(textTable(['FIELD', 'VALUE'], [
      ['version', String(s.version)], ['pid', String(s.pid)], ['uptime', duration(Number(s.uptime))],
      ['since reload', duration(Number(s.reload))], ['dhcp', s['dhcp-enabled'] ? 'enabled' : 'disabled'],
      ['leases', String(s.leases)], ['subnets', String(s.subnets)], ['workers', String(s.workers)],
      ['config', String(s['config-source'])],
    ]));
    return 0;
  }
  throw new CliError(`unknown subcommand '${sub}'`);
}
