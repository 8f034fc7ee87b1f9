// Test helpers: build requests and configurations directly, without the wire codec.
import type { ServerConfig, SubnetConfig } from '../../src/config/model.js';
import { ipv4Bytes, parseIpv4, readIpv4, type Ipv4 } from '../../src/protocol/ipv4.js';
import type { DhcpMessage } from '../../src/protocol/message.js';
import type { RequestContext } from '../../src/engine/engine.js';

export const ip = (s: string): Ipv4 => {
  const a = parseIpv4(s);
  if (a === null) throw new Error(`bad test address ${s}`);
  return a;
};

export const DISCOVER = 1;
export const OFFER = 2;
export const REQUEST = 3;
export const DECLINE = 4;
export const ACK = 5;
export const NAK = 6;
export const RELEASE = 7;
export const INFORM = 8;

export function mac(n: number): Uint8Array {
  return Uint8Array.of(0x02, 0, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

export interface ReqSpec {
  type: number | null;
  hw?: Uint8Array;
  clientId?: Uint8Array;
  ciaddr?: string | Ipv4;
  giaddr?: string | Ipv4;
  requested?: string | Ipv4;
  serverId?: string | Ipv4;
  prl?: number[];
  leaseTime?: number;
  hostname?: string;
  options?: [number, Uint8Array][];
  op?: number;
  xid?: number;
}

const addr = (a: string | Ipv4 | undefined): Ipv4 => (a === undefined ? 0 : typeof a === 'string' ? ip(a) : a);

export function req(spec: ReqSpec): DhcpMessage {
  const hw = spec.hw ?? mac(1);
  const chaddr = new Uint8Array(16);
  chaddr.set(hw);
  const options = new Map<number, Uint8Array>();
  if (spec.type !== null) options.set(53, Uint8Array.of(spec.type));
  if (spec.clientId) options.set(61, spec.clientId);
  if (spec.requested !== undefined) options.set(50, ipv4Bytes(addr(spec.requested)));
  if (spec.serverId !== undefined) options.set(54, ipv4Bytes(addr(spec.serverId)));
  if (spec.prl) options.set(55, Uint8Array.from(spec.prl));
  if (spec.leaseTime !== undefined) options.set(51, ipv4Bytes(spec.leaseTime));
  if (spec.hostname) options.set(12, new TextEncoder().encode(spec.hostname));
  for (const [code, v] of spec.options ?? []) options.set(code, v);
  return {
    op: spec.op ?? 1,
    htype: 1,
    hlen: hw.length,
    hops: 0,
    xid: spec.xid ?? 0x1234,
    secs: 0,
    flags: 0,
    ciaddr: addr(spec.ciaddr),
    yiaddr: 0,
    siaddr: 0,
    giaddr: addr(spec.giaddr),
    chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    hasMagicCookie: spec.type !== null,
    options,
  };
}

export const SERVER = ip('10.77.0.1');

export function ctx(now: number, iface: string | null = '10.77.0.1'): RequestContext {
  return { now, serverId: SERVER, iface: iface === null ? null : { address: ip(iface), prefixLength: 24 } };
}

export function subnet(overrides: Partial<SubnetConfig> = {}): SubnetConfig {
  return {
    id: 1,
    name: 'lan',
    network: ip('10.77.0.0'),
    prefixLength: 24,
    ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.199') }],
    exclusions: [],
    reservations: [],
    options: new Map([
      [3, ipv4Bytes(ip('10.77.0.1'))],
      [6, ipv4Bytes(ip('10.77.0.53'))],
      [15, new TextEncoder().encode('example.test')],
    ]),
    leaseTimes: { default: 3600, min: 600, max: 7200 },
    ...overrides,
  };
}

export function config(subnets: SubnetConfig[] = [subnet()], overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { subnets, authoritative: false, offerHoldSeconds: 30, declineProbationSeconds: 600, leaseCachePercent: 0, source: 'test', ...overrides };
}

export const u32 = (v: Uint8Array | undefined): number | undefined => (v && v.length === 4 ? readIpv4(v, 0) : undefined);
export const msgType = (m: DhcpMessage | null): number | undefined => m?.options.get(53)?.[0];

import { DhcpEngine } from '../../src/engine/engine.js';

/** DISCOVER then SELECTING REQUEST; returns the bound address (throws if the exchange fails). */
export function dora(engine: DhcpEngine, spec: Omit<ReqSpec, 'type'>, now: number): Ipv4 {
  const offer = engine.handle(req({ ...spec, type: DISCOVER }), ctx(now));
  if (msgType(offer.reply) !== OFFER) throw new Error(`no offer: ${offer.reason}`);
  const yiaddr = offer.reply!.yiaddr;
  const ack = engine.handle(req({ ...spec, type: REQUEST, requested: yiaddr, serverId: SERVER }), ctx(now));
  if (msgType(ack.reply) !== ACK) throw new Error(`no ack: ${ack.reason}`);
  return yiaddr;
}
