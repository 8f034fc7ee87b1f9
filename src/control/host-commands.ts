import { parseClientId, parseHardwareAddress } from '../config/address-text.js';
import { bytesEqual } from '../engine/bytes.js';
import { parseIpv4, type Ipv4 } from '../protocol/ipv4.js';
import { address, has, identifier, int, onlyKeys, type Args } from './command-args.js';
import type { CommandTable } from './command-table.js';
import { ArgumentError, empty, error, ok } from './kea-answer.js';
import type { ServerControl } from './server-control.js';

// Kea's host_cmds over Hydra's configuration: reservations live in the subnets of the running
// configuration, so each change is a config-set of the edited document (validated by the same
// loader, applied atomically). They last until restart unless written with config-write.

type Doc = Record<string, unknown>;
type ReservationDoc = Record<string, unknown>;

interface Located {
  subnet: Doc;
  subnetId: number;
}

function subnetsOf(doc: unknown): Located[] {
  const list = (doc as Doc | null)?.subnets;
  if (!Array.isArray(list)) return [];
  return list.map((s: Doc, i) => ({ subnet: s, subnetId: typeof s.id === 'number' ? s.id : i + 1 }));
}

function subnetById(doc: unknown, id: number): Located {
  const s = subnetsOf(doc).find((x) => x.subnetId === id);
  if (!s) throw new ArgumentError(`subnet-id ${id} is not configured`);
  return s;
}

function reservationsOf(s: Doc): ReservationDoc[] {
  return Array.isArray(s.reservations) ? (s.reservations as ReservationDoc[]) : [];
}

function bytesOf(text: unknown, parse: typeof parseHardwareAddress): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const r = parse(text);
  return r.ok ? r.value : null;
}

function addressOf(r: ReservationDoc): Ipv4 | null {
  return typeof r['ip-address'] === 'string' ? parseIpv4(r['ip-address']) : null;
}

/** Kea's host shape (the fields Kea always prints, with Hydra's values). */
function keaHost(r: ReservationDoc, subnetId: number): Record<string, unknown> {
  return {
    'boot-file-name': '',
    'client-classes': [],
    ...(typeof r['hw-address'] === 'string' ? { 'hw-address': r['hw-address'].toLowerCase() } : {}),
    ...(typeof r['client-id'] === 'string' ? { 'client-id': r['client-id'].toLowerCase() } : {}),
    hostname: typeof r.hostname === 'string' ? r.hostname : '',
    'ip-address': r['ip-address'],
    'next-server': '0.0.0.0',
    'option-data': [],
    'server-hostname': '',
    'subnet-id': subnetId,
  };
}

/** The reservation named by ip-address or identifier-type/identifier in subnet-id: its index, or -1. */
function find(list: ReservationDoc[], args: Args): number {
  if (has(args, 'ip-address')) {
    const ip = address(args, 'ip-address');
    return list.findIndex((r) => addressOf(r) === ip);
  }
  if (!has(args, 'identifier-type')) throw new ArgumentError("give 'ip-address', or 'identifier-type' and 'identifier'");
  const id = identifier(args);
  return list.findIndex((r) =>
    id.hwAddress
      ? bytesEqual(bytesOf(r['hw-address'], parseHardwareAddress) ?? new Uint8Array(), id.hwAddress)
      : bytesEqual(bytesOf(r['client-id'], parseClientId) ?? new Uint8Array(), id.clientId!),
  );
}

const LOOKUP_KEYS = ['subnet-id', 'ip-address', 'identifier-type', 'identifier', 'operation-target'];

export function hostCommands(ctl: ServerControl): CommandTable {
  return {
    'reservation-add': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['reservation', 'operation-target']);
      const r = args.reservation;
      if (r === undefined) throw new ArgumentError("'reservation' parameter missing");
      if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new ArgumentError("'reservation' must be a map");
      const { 'subnet-id': subnetRaw, ...rest } = r as Doc;
      const subnetId = int({ 'subnet-id': subnetRaw }, 'subnet-id', 1, 0xffffffff);
      onlyKeys(rest, ['hw-address', 'client-id', 'ip-address', 'hostname']);
      const { document } = await ctl.config();
      const s = subnetById(document, subnetId);
      s.subnet.reservations = [...reservationsOf(s.subnet), rest];
      const check = await ctl.setConfig(document);
      return check.ok ? ok('Host added.') : error(`reservation refused: ${check.message}`);
    } },
    'reservation-get': { needsArgs: true, run: async (args) => {
      onlyKeys(args, LOOKUP_KEYS);
      const subnetId = int(args, 'subnet-id', 1, 0xffffffff);
      const s = subnetById((await ctl.config()).document, subnetId);
      const list = reservationsOf(s.subnet);
      const i = find(list, args);
      return i >= 0 ? ok('Host found.', keaHost(list[i]!, subnetId)) : empty('Host not found.');
    } },
    'reservation-get-all': { needsArgs: true, run: async (args) => {
      onlyKeys(args, ['subnet-id', 'operation-target']);
      const subnetId = int(args, 'subnet-id', 0, 0xffffffff);
      const { document } = await ctl.config();
      const scope = subnetId === 0 ? subnetsOf(document) : [subnetById(document, subnetId)];
      const hosts = scope.flatMap((s) => reservationsOf(s.subnet).map((r) => keaHost(r, s.subnetId)));
      const text = `${hosts.length} IPv4 host(s) found.`;
      return hosts.length > 0 ? ok(text, { hosts }) : empty(text, { hosts });
    } },
    'reservation-del': { needsArgs: true, run: async (args) => {
      onlyKeys(args, LOOKUP_KEYS);
      const subnetId = int(args, 'subnet-id', 1, 0xffffffff);
      const { document } = await ctl.config();
      const s = subnetById(document, subnetId);
      const list = reservationsOf(s.subnet);
      const i = find(list, args);
      if (i < 0) return empty('Host not deleted (not found).');
      s.subnet.reservations = list.filter((_, k) => k !== i);
      const check = await ctl.setConfig(document);
      return check.ok ? ok('Host deleted.') : error(`reservation-del refused: ${check.message}`);
    } },
  };
}
