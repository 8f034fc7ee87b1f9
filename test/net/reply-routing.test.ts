import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, MessageType, type DhcpMessage } from '../../src/protocol/message.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { clientPortFor, routeReply } from '../../src/net/reply-routing.js';

const ip = (s: string): number => parseIpv4(s)!;
const MAC = [0x02, 0xac, 0x78, 0x00, 0x00, 0x01];

function message(over: Partial<DhcpMessage> = {}): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set(MAC);
  return {
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 0x1234, secs: 0, flags: 0,
    ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0, chaddr,
    sname: new Uint8Array(64), file: new Uint8Array(128), hasMagicCookie: true, options: new Map(),
    ...over,
  };
}
const reply = (over: Partial<DhcpMessage> = {}): DhcpMessage => message({ op: BOOTREPLY, yiaddr: ip('10.78.0.50'), ...over });

test('client port is the server port plus one', () => {
  assert.equal(clientPortFor(67), 68);
  assert.equal(clientPortFor(6767), 6768);
});

test('giaddr set: to the relay on the server port, whatever else is set (NAK, ciaddr, broadcast flag)', () => {
  const req = message({ giaddr: ip('10.79.0.1'), ciaddr: ip('10.79.0.9'), flags: BROADCAST_FLAG });
  for (const type of [MessageType.Offer, MessageType.Ack, MessageType.Nak]) {
    assert.deepEqual(routeReply(req, reply(), type), { kind: 'relay', address: ip('10.79.0.1'), port: 67 });
    assert.deepEqual(routeReply(req, reply(), type, 6767), { kind: 'relay', address: ip('10.79.0.1'), port: 6767 });
  }
});

test('NAK without giaddr: broadcast, even with ciaddr set and no broadcast flag', () => {
  const req = message({ ciaddr: ip('10.78.0.9') });
  assert.deepEqual(routeReply(req, reply({ yiaddr: 0 }), MessageType.Nak), { kind: 'broadcast', port: 68 });
  assert.deepEqual(routeReply(req, reply({ yiaddr: 0 }), MessageType.Nak, 6767), { kind: 'broadcast', port: 6768 });
});

test('ciaddr set: unicast to ciaddr at the client port (renewal, INFORM), even with the broadcast flag', () => {
  const req = message({ ciaddr: ip('10.78.0.9'), flags: BROADCAST_FLAG });
  assert.deepEqual(routeReply(req, reply({ ciaddr: ip('10.78.0.9') }), MessageType.Ack), {
    kind: 'unicast', address: ip('10.78.0.9'), port: 68,
  });
  assert.deepEqual(routeReply(req, reply({ yiaddr: 0 }), MessageType.Ack, 6767), {
    kind: 'unicast', address: ip('10.78.0.9'), port: 6768,
  });
});

test('broadcast flag: broadcast', () => {
  const req = message({ flags: BROADCAST_FLAG });
  assert.deepEqual(routeReply(req, reply(), MessageType.Offer), { kind: 'broadcast', port: 68 });
});

test('otherwise: unicast to yiaddr at chaddr[0:hlen]', () => {
  const route = routeReply(message(), reply(), MessageType.Offer, 6767);
  assert.equal(route.kind, 'link-unicast');
  assert.ok(route.kind === 'link-unicast');
  assert.equal(route.address, ip('10.78.0.50'));
  assert.equal(route.port, 6768);
  assert.deepEqual([...route.hw], MAC);
});

test('the hardware address is a copy: later changes to the request do not leak into the route', () => {
  const req = message();
  const route = routeReply(req, reply(), MessageType.Ack);
  req.chaddr[0] = 0xff;
  assert.ok(route.kind === 'link-unicast');
  assert.equal(route.hw[0], MAC[0]);
});

test('no yiaddr, or a hardware address that is not 6-byte Ethernet: broadcast instead', () => {
  assert.deepEqual(routeReply(message(), reply({ yiaddr: 0 }), MessageType.Ack), { kind: 'broadcast', port: 68 });
  assert.deepEqual(routeReply(message({ htype: 6 }), reply(), MessageType.Offer), { kind: 'broadcast', port: 68 });
  assert.deepEqual(routeReply(message({ hlen: 0 }), reply(), MessageType.Offer), { kind: 'broadcast', port: 68 });
  assert.deepEqual(routeReply(message({ hlen: 16 }), reply(), MessageType.Offer), { kind: 'broadcast', port: 68 });
});

test('the broadcast flag is read from the request, not the reply', () => {
  const route = routeReply(message(), reply({ flags: BROADCAST_FLAG }), MessageType.Offer);
  assert.equal(route.kind, 'link-unicast');
});
