import { formatIpv4 } from '../protocol/ipv4.js';
import { onlyKeys, str } from './command-args.js';
import type { CommandTable } from './command-table.js';
import { error, ok } from './kea-answer.js';
import type { ServerControl, StatisticValue } from './server-control.js';

// Kea's stat_cmds: {"name": [[value, "YYYY-MM-DD HH:MM:SS.ffffff"]]}, the latest sample only.

export function keaTimestamp(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

const sample = (v: StatisticValue): [number, string][] => [[v.value, keaTimestamp(v.at)]];

export function statCommands(ctl: ServerControl): CommandTable {
  return {
    'statistic-get': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['name']);
      const name = str(args, 'name');
      const v = (await ctl.statistics()).get(name);
      // Kea answers an unknown name with success and an empty map.
      return ok('', v ? { [name]: sample(v) } : {});
    } },
    'statistic-get-all': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      const out: Record<string, [number, string][]> = {};
      for (const [name, v] of await ctl.statistics()) out[name] = sample(v);
      return ok('', out);
    } },
    'statistic-reset': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['name']);
      const name = str(args, 'name');
      return (await ctl.resetStatistic(name)) ? ok(`Statistic '${name}' reset.`) : error(`No '${name}' statistic found`);
    } },
    // Hydra's own: address usage per subnet and per range (what `hydra pools` shows).
    'pools-get': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      const pools = (await ctl.pools()).map((s) => ({
        'subnet-id': s.id,
        name: s.name,
        subnet: `${formatIpv4(s.network)}/${s.prefixLength}`,
        'total-addresses': s.total,
        'assigned-addresses': s.assigned,
        'declined-addresses': s.declined,
        reservations: s.reservations,
        ranges: s.ranges.map((r) => ({
          pool: `${formatIpv4(r.start)}-${formatIpv4(r.end)}`,
          'total-addresses': r.total,
          'assigned-addresses': r.assigned,
          'declined-addresses': r.declined,
        })),
      }));
      return ok(`${pools.length} subnet(s).`, { pools });
    } },
    'statistic-reset-all': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      await ctl.resetStatistic();
      return ok('All statistics reset to neutral values.');
    } },
  };
}
