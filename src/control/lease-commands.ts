import type { Lease } from '../engine/types.js';
import { address, clientId, has, hwAddress, identifier, int, onlyKeys, str, type Args } from './command-args.js';
import type { CommandTable } from './command-table.js';
import { ArgumentError, empty, error, ok, RESULT, answer, type KeaAnswer } from './kea-answer.js';
import { keaLease, leaseDraft } from './kea-lease-json.js';
import type { PutResult, ServerControl } from './server-control.js';
import { formatIpv4, parseIpv4 } from '../protocol/ipv4.js';

// Kea's lease_cmds for DHCPv4, same arguments, same answers.

const found = (leases: Lease[], extra: Record<string, unknown> = {}): KeaAnswer => {
  const text = `${leases.length} IPv4 lease(s) found.`;
  const args = { leases: leases.map(keaLease), ...extra };
  return leases.length > 0 ? ok(text, args) : empty(text, args);
};

/** lease4-get and lease4-del name a lease by address, or by identifier in a subnet. */
async function findOne(ctl: ServerControl, args: Args): Promise<Lease | undefined> {
  if (has(args, 'ip-address')) {
    onlyKeys(args, ['ip-address']);
    return ctl.getLease(address(args, 'ip-address'));
  }
  if (!has(args, 'identifier-type')) throw new ArgumentError("give 'ip-address', or 'identifier-type', 'identifier' and 'subnet-id'");
  onlyKeys(args, ['identifier-type', 'identifier', 'subnet-id']);
  const id = identifier(args);
  const subnetId = int(args, 'subnet-id', 1, 0xffffffff);
  const list = await ctl.leases({ kind: 'client', subnetId, ...id });
  // The client's current lease first, as Kea returns the one lease it holds.
  return list.find((l) => l.state === 'bound') ?? list[0];
}

function putAnswer(r: PutResult, success: string): KeaAnswer {
  if (r.ok) return ok(success);
  if (r.reason === 'missing') return empty(r.message);
  return error(r.message);
}

export function leaseCommands(ctl: ServerControl): CommandTable {
  return {
    'lease4-get': { needsArgs: true, run: async (args) => {
      const l = await findOne(ctl, args);
      return l ? ok('IPv4 lease found.', keaLease(l)) : empty('Lease not found.');
    } },
    'lease4-get-all': { needsArgs: false, run: async (args) => {
      onlyKeys(args, ['subnets']);
      let subnets: number[] | undefined;
      if (has(args, 'subnets')) {
        const v = args.subnets;
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 1)) {
          throw new ArgumentError("'subnets' must be a list of subnet ids");
        }
        subnets = v as number[];
      }
      return found(await ctl.leases({ kind: 'all', ...(subnets ? { subnets } : {}) }));
    } },
    'lease4-get-page': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['from', 'limit']);
      const from = str(args, 'from');
      let after: number | null = null;
      if (from !== 'start') {
        after = parseIpv4(from);
        if (after === null) throw new ArgumentError(`'from': expected "start" or an IPv4 address, got ${JSON.stringify(from)}`);
      }
      const limit = int(args, 'limit', 1, 1_000_000);
      const page = await ctl.leasePage(after, limit);
      return found(page, { count: page.length });
    } },
    'lease4-get-by-hw-address': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['hw-address']);
      return found(await ctl.leases({ kind: 'hw-address', hwAddress: hwAddress(args, 'hw-address') }));
    } },
    'lease4-get-by-client-id': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['client-id']);
      return found(await ctl.leases({ kind: 'client-id', clientId: clientId(args, 'client-id') }));
    } },
    'lease4-get-by-hostname': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['hostname']);
      const name = str(args, 'hostname');
      if (name === '') throw new ArgumentError("'hostname' is empty");
      return found(await ctl.leases({ kind: 'hostname', hostname: name }));
    } },
    'lease4-add': { needsArgs: true, run: async (args) => {
      const draft = leaseDraft(args);
      const r = await ctl.putLease(draft, 'add');
      const subnet = r.ok ? (await ctl.getLease(draft.address))?.subnetId : undefined;
      return putAnswer(r, `Lease for address ${formatIpv4(draft.address)}, subnet-id ${subnet ?? draft.subnetId} added.`);
    } },
    'lease4-update': { needsArgs: true, run: async (args) => {
      const force = has(args, 'force-create') ? args['force-create'] : false;
      if (typeof force !== 'boolean') throw new ArgumentError("'force-create' must be true or false");
      const rest = { ...args };
      delete rest['force-create'];
      const draft = leaseDraft(rest);
      const r = await ctl.putLease(draft, force ? 'upsert' : 'update');
      if (!r.ok && r.reason === 'missing') {
        return empty(`failed to update the lease with address ${formatIpv4(draft.address)} - no such lease`);
      }
      return putAnswer(r, 'IPv4 lease updated.');
    } },
    'lease4-del': { needsArgs: true, run: async (args) => {
      const l = await findOne(ctl, args);
      if (!l) return empty('IPv4 lease not found.');
      return (await ctl.deleteLease(l.address)) ? ok('IPv4 lease deleted.') : empty('IPv4 lease not found.');
    } },
    'lease4-wipe': { needsArgs: false, run: async (args) => {
      onlyKeys(args, ['subnet-id']);
      const subnet = has(args, 'subnet-id') ? int(args, 'subnet-id', 0, 0xffffffff) : 0;
      const n = await ctl.wipeLeases(subnet === 0 ? undefined : subnet);
      const text = `Deleted ${n} IPv4 lease(s) from subnet(s)${subnet === 0 ? ' (all)' : ` ${subnet}`}`;
      return answer(n > 0 ? RESULT.SUCCESS : RESULT.EMPTY, text);
    } },
  };
}
