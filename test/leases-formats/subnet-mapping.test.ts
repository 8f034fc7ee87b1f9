import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SubnetConfig } from '../../src/config/model.js';
import { clientKeyOf } from '../../src/engine/client-identity.js';
import type { Lease } from '../../src/engine/types.js';
import { assignSubnets } from '../../src/leases/formats/subnet-mapping.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';

const subnet = (id: number, cidr: string): SubnetConfig => {
  const [net, len] = cidr.split('/');
  return {
    id, name: `s${id}`, network: parseIpv4(net!)!, prefixLength: Number(len), ranges: [], exclusions: [],
    reservations: [], options: new Map(), leaseTimes: { default: 3600, min: 60, max: 86400 },
  };
};

const lease = (addr: string, subnetId = 0): Lease => ({
  address: parseIpv4(addr)!, subnetId, clientKey: clientKeyOf(null, 1, Uint8Array.of(2, 0, 0, 0, 0, 1)), hwType: 1,
  hwAddress: Uint8Array.of(2, 0, 0, 0, 0, 1), clientId: null, hostname: null, state: 'bound', issuedAt: 0, expiresAt: 10,
});

test('subnet mapping: by address, the most specific subnet wins, ids in the file are ignored, strays reported', () => {
  const r = assignSubnets(
    { leases: [lease('10.0.5.9', 3), lease('10.0.1.2', 1), lease('172.16.0.1', 2)], lines: [4, 7, 9], problems: [{ line: 5, message: 'earlier' }] },
    [subnet(1, '10.0.0.0/16'), subnet(2, '10.0.5.0/24')],
  );
  assert.deepEqual(r.leases.map((l) => l.subnetId), [2, 1]);
  assert.deepEqual(r.lines, [4, 7]);
  assert.deepEqual(r.problems, [
    { line: 5, message: 'earlier' },
    { line: 9, message: '172.16.0.1 is in no configured subnet; the lease is skipped' },
  ]);
});
