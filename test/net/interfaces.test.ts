import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { interfaceOwning, interfaceServing, listIpv4Interfaces } from '../../src/net/interfaces.js';

const ip = (s: string): number => parseIpv4(s)!;

function v4(address: string, netmask: string, cidr: string | null, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr } as NetworkInterfaceInfo;
}

const fake = () => ({
  lo: [v4('127.0.0.1', '255.0.0.0', '127.0.0.1/8', true)],
  eth0: [
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 } as NetworkInterfaceInfo,
    v4('10.78.0.1', '255.255.255.0', '10.78.0.1/24'),
    v4('10.79.1.1', '255.255.0.0', null),
  ],
  v6only: [
    { address: 'fd00::1', netmask: 'ffff::', family: 'IPv6', mac: '02:00:00:00:00:02', internal: false, cidr: 'fd00::1/16', scopeid: 0 } as NetworkInterfaceInfo,
  ],
});

test('lists IPv4 interfaces with the first address as primary and every address kept', () => {
  const list = listIpv4Interfaces(fake);
  assert.deepEqual(list.map((i) => i.name), ['lo', 'eth0']);
  const eth0 = list[1]!;
  assert.equal(eth0.address, ip('10.78.0.1'));
  assert.equal(eth0.prefixLength, 24);
  assert.equal(eth0.internal, false);
  assert.deepEqual(eth0.addresses, [
    { address: ip('10.78.0.1'), prefixLength: 24 },
    { address: ip('10.79.1.1'), prefixLength: 16 }, // prefix from the netmask when cidr is null
  ]);
  assert.equal(list[0]!.internal, true);
});

test('finds the interface serving a peer, on any of its networks, and the one owning an address', () => {
  const list = listIpv4Interfaces(fake);
  assert.equal(interfaceServing(list, ip('10.78.0.77'))?.name, 'eth0');
  assert.equal(interfaceServing(list, ip('10.79.200.3'))?.name, 'eth0');
  assert.equal(interfaceServing(list, ip('127.5.5.5'))?.name, 'lo');
  assert.equal(interfaceServing(list, ip('10.80.0.1')), null);
  assert.equal(interfaceOwning(list, ip('10.79.1.1'))?.name, 'eth0');
  assert.equal(interfaceOwning(list, ip('10.79.1.2')), null);
});
