import { VERSION } from '../version.js';
import { bool, has, int, onlyKeys, str } from './command-args.js';
import type { CommandTable } from './command-table.js';
import { ok } from './kea-answer.js';
import type { ServerControl } from './server-control.js';

// status-get, version-get, dhcp-disable/enable, leases-reclaim, shutdown (Kea's built-in commands).

export function serviceCommands(ctl: ServerControl): CommandTable {
  return {
    'status-get': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      const s = await ctl.status();
      return ok('', {
        pid: s.pid,
        uptime: s.uptime,
        reload: s.reload,
        'multi-threading-enabled': false,
        'dhcp-state': {
          'disabled-by-user': !s.dhcpEnabled,
          'globally-disabled': !s.dhcpEnabled,
          ...(s.dhcpEnabledAt !== null ? { 'enable-at': Math.ceil(s.dhcpEnabledAt) } : {}),
        },
        sockets: { status: 'ready' },
        // Hydra's own, under names Kea does not use.
        'dhcp-enabled': s.dhcpEnabled,
        leases: s.leases,
        subnets: s.subnets,
        workers: s.workers,
        'config-source': s.configSource,
        version: VERSION,
      });
    } },
    'version-get': { needsArgs: false, run: async () =>
      ok(VERSION, { extended: `Hydra ${VERSION} (Node.js ${process.version}, ${process.platform}/${process.arch})` }) },
    'dhcp-disable': { needsArgs: false, run: async (args) => {
      onlyKeys(args, ['max-period', 'origin', 'origin-id']);
      if (has(args, 'origin')) str(args, 'origin');
      const period = has(args, 'max-period') ? int(args, 'max-period', 1, 86_400 * 365) : undefined;
      await ctl.setDhcpEnabled(false, period);
      return ok(period === undefined ? 'DHCPv4 service disabled' : `DHCPv4 service disabled for ${period} seconds`);
    } },
    'dhcp-enable': { needsArgs: false, run: async (args) => {
      onlyKeys(args, ['origin', 'origin-id']);
      await ctl.setDhcpEnabled(true);
      return ok('DHCP service successfully enabled');
    } },
    'leases-reclaim': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['remove']);
      const n = await ctl.reclaim(bool(args, 'remove'));
      return ok('Reclamation of expired leases is complete.', { reclaimed: n });
    } },
    shutdown: { needsArgs: false, run: async (args) => {
      onlyKeys(args, ['exit-value', 'type']);
      const exit = has(args, 'exit-value') ? int(args, 'exit-value', 0, 255) : 0;
      await ctl.shutdown(exit);
      return ok('Shutting down.');
    } },
  };
}
