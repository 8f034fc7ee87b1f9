import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DhcpEngine } from '../../src/engine/engine.js';
import { clientKeyOf } from '../../src/engine/client-identity.js';
import { formatIpv4, type Ipv4 } from '../../src/protocol/ipv4.js';
import type { DhcpMessage } from '../../src/protocol/message.js';
import { ACK, config, ctx, DECLINE, DISCOVER, INFORM, ip, mac, OFFER, RELEASE, REQUEST, req, SERVER, subnet, u32 } from './builder.js';

// A random sequence of client actions and clock steps must never (1) bind or offer an address to
// a client while another client holds it (unexpired ACK or offer hold), nor (2) hand out an
// excluded address, one reserved for someone else, or one in decline probation.

const RANGE_START = ip('10.77.0.100');
const RANGE_SIZE = 12;
const EXCLUDED = ip('10.77.0.103');
const RES_MAC = ip('10.77.0.105'); // reserved for client 0 by MAC
const RES_CID = ip('10.77.0.106'); // reserved for client 1 by client-id
const N_CLIENTS = 5;
const CID1 = Uint8Array.of(1, 0xaa, 0xbb);

type Op =
  | { kind: 'discover' | 'select' | 'select-other' | 'reboot' | 'renew' | 'release' | 'decline' | 'inform'; client: number; pick: number }
  | { kind: 'tick'; dt: number }
  | { kind: 'reclaim'; limit: number };

const clientOp = fc.record({
  kind: fc.constantFrom('discover', 'select', 'select-other', 'reboot', 'renew', 'release', 'decline', 'inform'),
  client: fc.integer({ min: 0, max: N_CLIENTS - 1 }),
  pick: fc.integer({ min: 0, max: RANGE_SIZE + 2 }),
}) as fc.Arbitrary<Op>;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: clientOp },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 2500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reclaim' as const), limit: fc.integer({ min: 1, max: 5 }) }) },
);

interface Hold {
  client: number;
  until: number;
}

function identity(c: number) {
  return { hw: mac(c + 1), clientId: c === 1 ? CID1 : undefined };
}

test('property: no address is ever held by two clients, nor given out against exclusions, reservations or probation', () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 10, maxLength: 150 }), fc.boolean(), (ops, authoritative) => {
      const e = new DhcpEngine(
        config(
          [
            subnet({
              ranges: [{ start: RANGE_START, end: RANGE_START + RANGE_SIZE - 1 }],
              exclusions: [EXCLUDED],
              reservations: [
                { hwAddress: mac(1), address: RES_MAC },
                { clientId: CID1, address: RES_CID },
              ],
              leaseTimes: { default: 1000, min: 500, max: 2000 },
            }),
          ],
          { authoritative, offerHoldSeconds: 30, declineProbationSeconds: 700 },
        ),
      );
      let now = 1_000_000;
      const grants = new Map<Ipv4, Hold>(); // from ACKs
      const offers = new Map<Ipv4, Hold>(); // from OFFERs
      const probation = new Map<Ipv4, number>();
      const lastOffer = new Map<number, Ipv4>();
      const bound = new Map<number, Ipv4>();

      const dropOffersOf = (c: number, except?: Ipv4) => {
        for (const [a, h] of offers) if (h.client === c && a !== except) offers.delete(a);
      };
      const checkHandOut = (c: number, a: Ipv4, what: string) => {
        const where = `${what} ${formatIpv4(a)} to client ${c} at ${now}`;
        assert.notEqual(a, EXCLUDED, `excluded: ${where}`);
        if (a === RES_MAC) assert.equal(c, 0, `reserved for client 0: ${where}`);
        if (a === RES_CID) assert.equal(c, 1, `reserved for client 1: ${where}`);
        assert.ok(!((probation.get(a) ?? -Infinity) > now), `in probation: ${where}`);
        const g = grants.get(a);
        assert.ok(!g || g.client === c || g.until <= now, `bound to client ${g?.client}: ${where}`);
        const o = offers.get(a);
        assert.ok(!o || o.client === c || o.until <= now, `held for client ${o?.client}: ${where}`);
      };
      const send = (c: number, m: DhcpMessage) => e.handle(m, ctx(now));
      const pickAddr = (pick: number): Ipv4 => RANGE_START + pick - 1; // includes one below and above the range

      for (const o of ops) {
        if (o.kind === 'tick') {
          now += o.dt;
          continue;
        }
        if (o.kind === 'reclaim') {
          e.reclaimExpired(now, o.limit);
          continue;
        }
        const c = o.client;
        const id = identity(c);
        const guess = o.pick === 0 ? undefined : pickAddr(o.pick);
        let d;
        switch (o.kind) {
          case 'discover':
            d = send(c, req({ ...id, type: DISCOVER, requested: guess }));
            break;
          case 'select':
            d = send(c, req({ ...id, type: REQUEST, serverId: SERVER, requested: o.pick % 2 ? lastOffer.get(c) ?? guess : guess }));
            break;
          case 'select-other':
            d = send(c, req({ ...id, type: REQUEST, serverId: '10.77.0.2', requested: lastOffer.get(c) ?? guess }));
            if (d.reason === 'drop-other-server') dropOffersOf(c);
            break;
          case 'reboot':
            d = send(c, req({ ...id, type: REQUEST, requested: o.pick % 2 ? bound.get(c) ?? guess : guess ?? RANGE_START }));
            break;
          case 'renew':
            d = send(c, req({ ...id, type: REQUEST, ciaddr: o.pick % 2 ? bound.get(c) ?? guess : guess ?? RANGE_START }));
            break;
          case 'release': {
            const a = (o.pick % 2 ? bound.get(c) : guess) ?? RANGE_START;
            d = send(c, req({ ...id, type: RELEASE, ciaddr: a, serverId: SERVER }));
            if (d.reason === 'release') {
              if (grants.get(a)?.client === c) grants.delete(a);
              if (offers.get(a)?.client === c) offers.delete(a);
            }
            break;
          }
          case 'decline': {
            const a = (o.pick % 2 ? bound.get(c) ?? lastOffer.get(c) : guess) ?? RANGE_START;
            d = send(c, req({ ...id, type: DECLINE, requested: a, serverId: SERVER }));
            if (d.reason === 'decline') {
              grants.delete(a);
              offers.delete(a);
              probation.set(a, now + 700);
            }
            break;
          }
          case 'inform':
            d = send(c, req({ ...id, type: INFORM, ciaddr: bound.get(c) ?? RANGE_START }));
            if (d.reply) assert.equal(d.reply.yiaddr, 0);
            break;
        }
        const reply = d.reply;
        const type = reply?.options.get(53)?.[0];
        if (type === OFFER) {
          const a = reply!.yiaddr;
          checkHandOut(c, a, 'OFFER');
          dropOffersOf(c);
          // A live binding offered again stays a binding; otherwise it is a held offer.
          if (grants.get(a)?.client !== c || grants.get(a)!.until <= now) offers.set(a, { client: c, until: now + 30 });
          lastOffer.set(c, a);
        } else if (type === ACK && o.kind !== 'inform') {
          const a = reply!.yiaddr;
          checkHandOut(c, a, 'ACK');
          dropOffersOf(c);
          for (const [g, h] of grants) if (h.client === c && g !== a) grants.delete(g);
          grants.set(a, { client: c, until: now + u32(reply!.options.get(51))! });
          bound.set(c, a);
        }
      }
      // The table agrees: every live binding belongs to the client our ledger says.
      for (const l of e.leases.all()) {
        if (l.state !== 'bound' || l.expiresAt <= now) continue;
        const g = grants.get(l.address);
        assert.ok(g, `table binds ${formatIpv4(l.address)} but no ACK said so`);
        const c = g.client;
        const id = identity(c);
        assert.equal(l.clientKey, clientKeyOf(id.clientId ?? null, 1, id.hw));
      }
    }),
    { numRuns: 1000 },
  );
});
