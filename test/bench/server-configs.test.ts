import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { hydraConfig, keaConfig, LEASE, POOLS } from '../../bench/perf/servers.js';

const ip = (s: string): number => {
  const v = parseIpv4(s);
  assert.ok(v !== null && v !== undefined, s);
  return v as number;
};

test('every pool variant contains the relay (giaddr 10.85.0.2) but never hands out the veth addresses', () => {
  for (const [name, pool] of Object.entries(POOLS)) {
    const [net, bits] = pool.subnet.split('/');
    const mask = (0xffffffff << (32 - Number(bits))) >>> 0;
    assert.equal((ip('10.85.0.2') & mask) >>> 0, ip(net!), `${name}: subnet holds the relay`);
    for (const [a, b] of pool.ranges) {
      for (const veth of ['10.85.0.1', '10.85.0.2']) assert.ok(!(ip(a) <= ip(veth) && ip(veth) <= ip(b)), `${name}: ${veth} outside ${a}-${b}`);
      assert.equal((ip(a) & mask) >>> 0, ip(net!));
    }
  }
  const size = POOLS['/8'].ranges.reduce((n, [a, b]) => n + ip(b) - ip(a) + 1, 0);
  assert.equal(size, 2 ** 24 - 4); // all of the /8 but network, broadcast and the two veth ends
});

test('the generated Hydra config loads and matches the pool, lease times and options', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-cfg-'));
  try {
    const file = join(dir, 'h.yaml');
    await writeFile(file, hydraConfig(POOLS['/8']));
    const config = loadConfig({ configFile: file });
    assert.equal(config.subnets.length, 1);
    const subnet = config.subnets[0]!;
    assert.deepEqual([subnet.network, subnet.prefixLength], [ip('10.0.0.0'), 8]);
    assert.deepEqual(subnet.ranges, POOLS['/8'].ranges.map(([a, b]) => ({ start: ip(a), end: ip(b) })));
    assert.deepEqual(
      [subnet.leaseTimes.default, subnet.leaseTimes.renewal, subnet.leaseTimes.rebinding, config.leaseCachePercent],
      [LEASE.valid, LEASE.renew, LEASE.rebind, 25],
    );
    // routers (3), domain-name-servers (6), domain-name (15): the options Kea is given too.
    for (const code of [3, 6, 15]) assert.ok(subnet.options.has(code), `option ${code}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the Kea config is memfile persisted without LFC, UDP sockets, same pool and lease times', () => {
  const k = keaConfig(POOLS['/16'], { iface: 'hybs1', leaseFile: '/tmp/x/leases.csv', multiThreaded: true }) as { Dhcp4: Record<string, any> };
  const d = k.Dhcp4;
  assert.deepEqual(d['lease-database'], { type: 'memfile', persist: true, name: '/tmp/x/leases.csv', 'lfc-interval': 0 });
  assert.deepEqual(d['interfaces-config'], { interfaces: ['hybs1'], 'dhcp-socket-type': 'udp' });
  assert.deepEqual([d['valid-lifetime'], d['renew-timer'], d['rebind-timer'], d['cache-threshold']], [LEASE.valid, LEASE.renew, LEASE.rebind, 0.25]);
  assert.deepEqual(d.subnet4[0].pools, [{ pool: '10.85.0.3 - 10.85.255.254' }]);
  assert.deepEqual(d['multi-threading'], { 'enable-multi-threading': true, 'thread-pool-size': 2, 'packet-queue-size': 64 });
  const st = keaConfig(POOLS['/16'], { iface: 'hybs1', leaseFile: '/x', multiThreaded: false }) as { Dhcp4: Record<string, any> };
  assert.deepEqual(st.Dhcp4['multi-threading'], { 'enable-multi-threading': false });
});
