// The management API of a real hydra process on loopback: every command, Kea's answer shapes,
// the error shapes, and a real client's lease (DORA through a fake relay on 127.0.0.2).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseIpv4, formatIpv4, type Ipv4 } from '../../src/protocol/ipv4.js';
import { MSG, macFor, macText, messageTypeOf, RelayClient, serverIdOf } from '../support/relay-client.js';
import { CONFIG_YAML, command, exited, hydraCli, post, startHydra, workDir, type Hydra } from './control-harness.js';

const UDP = 40000 + (process.pid % 5000) * 2;
const CONTROL = UDP + 1;

const REQUIRED = [
  'lease4-get', 'lease4-get-all', 'lease4-get-page', 'lease4-get-by-hw-address', 'lease4-get-by-client-id',
  'lease4-get-by-hostname', 'lease4-add', 'lease4-update', 'lease4-del', 'lease4-wipe', 'reservation-add',
  'reservation-get', 'reservation-get-all', 'reservation-del', 'statistic-get', 'statistic-get-all', 'statistic-reset',
  'config-get', 'config-test', 'config-set', 'config-reload', 'config-write', 'status-get', 'version-get',
  'dhcp-disable', 'dhcp-enable', 'leases-reclaim', 'list-commands', 'shutdown',
];

describe('management API against a running hydra', () => {
  let hydra: Hydra;
  let relay: RelayClient;
  let url: string;

  before(async () => {
    hydra = await startHydra({ dir: workDir(), udpPort: UDP, controlPort: CONTROL });
    url = hydra.url;
    relay = await RelayClient.open({ port: UDP, timeoutMs: 300, attempts: 3 });
  });

  after(async () => {
    relay?.close();
    await hydra?.stop();
  });

  /** DISCOVER + REQUEST for client `index`; returns the ACKed address (or null when no ACK). */
  async function dora(index: number): Promise<Ipv4 | null> {
    const mac = macFor(index);
    const offer = (await relay.transact(relay.message(MSG.DISCOVER, mac))).reply;
    if (messageTypeOf(offer) !== MSG.OFFER) return null;
    const ack = (await relay.transact(relay.message(MSG.REQUEST, mac, { requested: offer!.yiaddr, serverId: serverIdOf(offer!)! }))).reply;
    return messageTypeOf(ack) === MSG.ACK ? ack!.yiaddr : null;
  }

  it('lists every command the issue requires', async () => {
    const a = await command(url, 'list-commands');
    assert.equal(a.result, 0);
    for (const c of REQUIRED) assert.ok(a.arguments.includes(c), c);
  });

  it("a real client's lease appears in lease4-get-all and in hydra leases list", async () => {
    const address = await dora(1);
    assert.ok(address !== null, 'client got an ACK');
    const a = await command(url, 'lease4-get-all');
    assert.equal(a.result, 0);
    assert.match(a.text, /^\d+ IPv4 lease\(s\) found\.$/);
    const lease = a.arguments.leases.find((l: any) => l['ip-address'] === formatIpv4(address!));
    assert.ok(lease, 'the ACKed address is listed');
    assert.equal(lease['hw-address'], macText(macFor(1)));
    assert.equal(lease['subnet-id'], 1);
    assert.equal(lease.state, 0);
    assert.equal(lease['valid-lft'], 600);
    assert.ok(Math.abs(lease.cltt - Date.now() / 1000) < 30);
    for (const k of ['fqdn-fwd', 'fqdn-rev', 'hostname']) assert.ok(k in lease, k);

    const table = hydraCli(['leases', 'list', '--control', `127.0.0.1:${CONTROL}`]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^ADDRESS\s+HW-ADDRESS/);
    assert.match(table.stdout, new RegExp(`${formatIpv4(address!).replace(/\./g, '\\.')}\\s+${macText(macFor(1))}.*assigned`));
    const json = hydraCli(['leases', 'list', '--json', '--control', url]);
    assert.equal(json.status, 0, json.stderr);
    assert.ok(JSON.parse(json.stdout).leases.some((l: any) => l['ip-address'] === formatIpv4(address!)));

    const show = hydraCli(['leases', 'show', formatIpv4(address!), '--control', url]);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /state\s+assigned/);
  });

  it('lease4-get by address and by identifier; result 3 when absent, 1 for a bad address', async () => {
    const address = await dora(2);
    assert.ok(address !== null);
    const byIp = await command(url, 'lease4-get', { 'ip-address': formatIpv4(address!) });
    assert.equal(byIp.result, 0);
    assert.equal(byIp.text, 'IPv4 lease found.');
    assert.equal(byIp.arguments['hw-address'], macText(macFor(2)));
    const byId = await command(url, 'lease4-get', { 'identifier-type': 'hw-address', identifier: macText(macFor(2)), 'subnet-id': 1 });
    assert.equal(byId.result, 0);
    assert.equal(byId.arguments['ip-address'], formatIpv4(address!));
    assert.deepEqual(await command(url, 'lease4-get', { 'ip-address': '10.77.0.7' }), { result: 3, text: 'Lease not found.' });
    const bad = await command(url, 'lease4-get', { 'ip-address': '10.77.0.300' });
    assert.equal(bad.result, 1);
    assert.match(bad.text, /'ip-address'.*not an IPv4 address/);
    const none = await command(url, 'lease4-get');
    assert.equal(none.result, 1);
    assert.match(none.text, /no arguments/);
    const wrongType = await command(url, 'lease4-get', { 'identifier-type': 'duid', identifier: '01:02', 'subnet-id': 1 });
    assert.equal(wrongType.result, 1);
    assert.match(wrongType.text, /identifier-type/);
  });

  it('lease4-add / update / del / get-by-* / get-page / wipe with Kea shapes', async () => {
    const add = await command(url, 'lease4-add', {
      'ip-address': '10.78.0.15', 'hw-address': '1a:1b:1c:1d:1e:1f', 'client-id': '01:1a:1b:1c:1d:1e:1f', hostname: 'printer', 'valid-lft': 1000,
    });
    assert.deepEqual(add, { result: 0, text: 'Lease for address 10.78.0.15, subnet-id 2 added.' });
    const dup = await command(url, 'lease4-add', { 'ip-address': '10.78.0.15', 'hw-address': '1a:1b:1c:1d:1e:1f' });
    assert.equal(dup.result, 1);
    assert.match(dup.text, /already exists/);
    const outside = await command(url, 'lease4-add', { 'ip-address': '192.0.2.9', 'hw-address': '1a:1b:1c:1d:1e:1f' });
    assert.equal(outside.result, 1);
    assert.match(outside.text, /no configured subnet holds 192\.0\.2\.9/);
    const wrongSubnet = await command(url, 'lease4-add', { 'ip-address': '10.78.0.16', 'hw-address': '1a:1b:1c:1d:1e:1f', 'subnet-id': 1 });
    assert.equal(wrongSubnet.result, 1);
    assert.match(wrongSubnet.text, /not in subnet 1/);
    const noHw = await command(url, 'lease4-add', { 'ip-address': '10.78.0.16' });
    assert.equal(noHw.result, 1);
    assert.match(noHw.text, /'hw-address' parameter missing/);
    const typo = await command(url, 'lease4-add', { 'ip-address': '10.78.0.16', 'hw-address': '1a:1b:1c:1d:1e:1f', 'valid-lifetime': 5 });
    assert.equal(typo.result, 1);
    assert.match(typo.text, /unknown parameter 'valid-lifetime'/);

    const got = await command(url, 'lease4-get', { 'ip-address': '10.78.0.15' });
    assert.equal(got.arguments['valid-lft'], 1000);
    assert.equal(got.arguments['client-id'], '01:1a:1b:1c:1d:1e:1f');
    assert.equal(got.arguments.hostname, 'printer');

    for (const [cmd, args] of [
      ['lease4-get-by-hw-address', { 'hw-address': '1a:1b:1c:1d:1e:1f' }],
      ['lease4-get-by-client-id', { 'client-id': '01:1a:1b:1c:1d:1e:1f' }],
      ['lease4-get-by-hostname', { hostname: 'PRINTER' }],
    ] as const) {
      const r = await command(url, cmd, args);
      assert.equal(r.result, 0, cmd);
      assert.deepEqual(r.arguments.leases.map((l: any) => l['ip-address']), ['10.78.0.15'], cmd);
    }
    const noneByHw = await command(url, 'lease4-get-by-hw-address', { 'hw-address': '00:00:00:00:00:99' });
    assert.deepEqual(noneByHw, { result: 3, text: '0 IPv4 lease(s) found.', arguments: { leases: [] } });

    const upd = await command(url, 'lease4-update', { 'ip-address': '10.78.0.15', 'hw-address': '1a:1b:1c:1d:1e:1f', hostname: 'printer2' });
    assert.deepEqual(upd, { result: 0, text: 'IPv4 lease updated.' });
    assert.equal((await command(url, 'lease4-get', { 'ip-address': '10.78.0.15' })).arguments.hostname, 'printer2');
    const updMissing = await command(url, 'lease4-update', { 'ip-address': '10.78.0.17', 'hw-address': '1a:1b:1c:1d:1e:1f' });
    assert.equal(updMissing.result, 3);
    const forced = await command(url, 'lease4-update', { 'ip-address': '10.78.0.17', 'hw-address': '1a:1b:1c:1d:1e:2f', 'force-create': true });
    assert.equal(forced.result, 0);

    const p1 = await command(url, 'lease4-get-page', { from: 'start', limit: 1 });
    assert.equal(p1.result, 0);
    assert.equal(p1.arguments.count, 1);
    const p2 = await command(url, 'lease4-get-page', { from: p1.arguments.leases[0]['ip-address'], limit: 1000 });
    assert.ok(p2.arguments.leases.every((l: any) => parseIpv4(l['ip-address'])! > parseIpv4(p1.arguments.leases[0]['ip-address'])!));
    const badPage = await command(url, 'lease4-get-page', { from: 'start', limit: 0 });
    assert.equal(badPage.result, 1);
    assert.match(badPage.text, /'limit'/);

    assert.deepEqual(await command(url, 'lease4-del', { 'ip-address': '10.78.0.17' }), { result: 0, text: 'IPv4 lease deleted.' });
    assert.deepEqual(await command(url, 'lease4-del', { 'ip-address': '10.78.0.17' }), { result: 3, text: 'IPv4 lease not found.' });

    const wipe = await command(url, 'lease4-wipe', { 'subnet-id': 2 });
    assert.deepEqual(wipe, { result: 0, text: 'Deleted 1 IPv4 lease(s) from subnet(s) 2' });
    assert.equal((await command(url, 'lease4-wipe', { 'subnet-id': 2 })).result, 3);
    assert.equal((await command(url, 'lease4-get-all', { subnets: [2] })).result, 3);
  });

  it('hydra leases release frees the address; a missing lease is exit 3', async () => {
    await command(url, 'lease4-add', { 'ip-address': '10.77.0.190', 'hw-address': '02:00:00:00:01:90' });
    const r = hydraCli(['leases', 'release', '10.77.0.190', '--control', url]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /released 10\.77\.0\.190/);
    assert.equal((await command(url, 'lease4-get', { 'ip-address': '10.77.0.190' })).result, 3);
    const again = hydraCli(['leases', 'show', '10.77.0.190', '--control', url]);
    assert.equal(again.status, 3);
    assert.match(again.stderr, /no lease for 10\.77\.0\.190/);
  });

  it('reservation-add / get / get-all / del change the running configuration', async () => {
    const add = await command(url, 'reservation-add', { reservation: { 'subnet-id': 1, 'hw-address': '02:aa:00:00:00:01', 'ip-address': '10.77.0.20', hostname: 'nas' } });
    assert.deepEqual(add, { result: 0, text: 'Host added.' });
    const clash = await command(url, 'reservation-add', { reservation: { 'subnet-id': 1, 'hw-address': '02:aa:00:00:00:02', 'ip-address': '10.77.0.20' } });
    assert.equal(clash.result, 1);
    assert.match(clash.text, /reservation refused/);
    const noSubnet = await command(url, 'reservation-add', { reservation: { 'subnet-id': 9, 'hw-address': '02:aa:00:00:00:02', 'ip-address': '10.77.0.21' } });
    assert.equal(noSubnet.result, 1);
    assert.match(noSubnet.text, /subnet-id 9 is not configured/);

    const get = await command(url, 'reservation-get', { 'subnet-id': 1, 'identifier-type': 'hw-address', identifier: '02:AA:00:00:00:01' });
    assert.equal(get.result, 0);
    assert.equal(get.text, 'Host found.');
    assert.equal(get.arguments['ip-address'], '10.77.0.20');
    assert.equal(get.arguments.hostname, 'nas');
    assert.equal(get.arguments['subnet-id'], 1);
    assert.equal((await command(url, 'reservation-get', { 'subnet-id': 1, 'ip-address': '10.77.0.20' })).result, 0);
    assert.deepEqual(await command(url, 'reservation-get', { 'subnet-id': 1, 'ip-address': '10.77.0.21' }), { result: 3, text: 'Host not found.' });
    const all = await command(url, 'reservation-get-all', { 'subnet-id': 1 });
    assert.equal(all.result, 0);
    assert.equal(all.arguments.hosts.length, 1);

    // The reservation is live: the reserved client gets its address.
    const offer = (await relay.transact(relay.message(MSG.DISCOVER, Uint8Array.of(0x02, 0xaa, 0, 0, 0, 1)))).reply;
    assert.equal(messageTypeOf(offer), MSG.OFFER);
    assert.equal(formatIpv4(offer!.yiaddr), '10.77.0.20');

    assert.deepEqual(await command(url, 'reservation-del', { 'subnet-id': 1, 'ip-address': '10.77.0.20' }), { result: 0, text: 'Host deleted.' });
    assert.equal((await command(url, 'reservation-del', { 'subnet-id': 1, 'ip-address': '10.77.0.20' })).result, 3);
    assert.equal((await command(url, 'reservation-get-all', { 'subnet-id': 1 })).result, 3);
  });

  it('statistic-get / get-all / reset under Kea names', async () => {
    await dora(3);
    const one = await command(url, 'statistic-get', { name: 'pkt4-received' });
    assert.equal(one.result, 0);
    const [[value, at]] = one.arguments['pkt4-received'];
    assert.ok(value >= 2, `pkt4-received = ${value}`);
    assert.match(at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    const all = await command(url, 'statistic-get-all');
    for (const name of ['pkt4-discover-received', 'pkt4-offer-sent', 'pkt4-ack-sent', 'subnet[1].total-addresses', 'subnet[1].assigned-addresses', 'subnet[2].total-addresses', 'declined-addresses']) {
      assert.ok(name in all.arguments, name);
    }
    assert.equal(all.arguments['subnet[1].total-addresses'][0][0], 100);
    assert.equal(all.arguments['subnet[2].total-addresses'][0][0], 10);
    assert.ok(all.arguments['subnet[1].assigned-addresses'][0][0] >= 3);
    assert.deepEqual(await command(url, 'statistic-reset', { name: 'pkt4-received' }), { result: 0, text: "Statistic 'pkt4-received' reset." });
    assert.equal((await command(url, 'statistic-get', { name: 'pkt4-received' })).arguments['pkt4-received'][0][0], 0);
    assert.deepEqual(await command(url, 'statistic-get', { name: 'no-such' }), { result: 0, text: '', arguments: {} });
    assert.equal((await command(url, 'statistic-reset', { name: 'no-such' })).result, 1);

    const stats = hydraCli(['stats', '--control', url]);
    assert.equal(stats.status, 0, stats.stderr);
    assert.match(stats.stdout, /subnet\[1\]\.total-addresses\s+100/);
    const pools = hydraCli(['pools', '--control', url]);
    assert.equal(pools.status, 0, pools.stderr);
    assert.match(pools.stdout, /10\.77\.0\.100-10\.77\.0\.199\s+100\s+\d+/);
    assert.match(pools.stdout, /10\.78\.0\.0\/24\s+10\s+0\s+0/);
  });

  it('config-get / config-test / config-set: a bad config is refused and the old one keeps serving', async () => {
    const got = await command(url, 'config-get');
    assert.equal(got.result, 0);
    assert.equal(got.arguments.Hydra.subnets.length, 2);
    assert.match(got.arguments.hash, /^[0-9A-F]{64}$/);

    const bad = { Hydra: { subnets: [{ subnet: '10.77.0.0/24', pools: ['10.77.0.99-10.77.0.5'] }] } };
    const test = await command(url, 'config-test', bad);
    assert.equal(test.result, 1);
    assert.match(test.text, /subnets\[0\]\.pools\[0\]: range end 10\.77\.0\.5 is before start 10\.77\.0\.99/);
    const set = await command(url, 'config-set', bad);
    assert.equal(set.result, 1);
    assert.match(set.text, /running one stays in force.*range end/);
    assert.equal((await command(url, 'config-get')).arguments.hash, got.arguments.hash);
    assert.ok((await dora(4)) !== null, 'still serving with the old configuration');

    const kea = await command(url, 'config-set', { Dhcp4: { subnet4: [] } });
    assert.equal(kea.result, 1);
    assert.match(kea.text, /Dhcp4/);
    assert.equal((await command(url, 'config-test', got.arguments)).result, 0);
  });

  it('config-set to smaller ranges keeps leases outside them until they expire and does not renew them', async () => {
    const address = await dora(5);
    assert.ok(address !== null);
    const doc = (await command(url, 'config-get')).arguments.Hydra;
    const shrunk = structuredClone(doc);
    const lo = formatIpv4(address! + 1);
    shrunk.subnets[0].pools = [`${lo}-10.77.0.199`];
    assert.deepEqual(await command(url, 'config-set', { Hydra: shrunk }), { result: 0, text: 'Configuration successful.' });
    const kept = await command(url, 'lease4-get', { 'ip-address': formatIpv4(address!) });
    assert.equal(kept.result, 0, 'the lease outside the new range is kept');
    // Renewal (ciaddr set, unicast from the relay) of an address no longer in a range: NAK.
    const renew = (await relay.transact(relay.message(MSG.REQUEST, macFor(5), { ciaddr: address! }))).reply;
    assert.equal(messageTypeOf(renew), MSG.NAK);
    assert.equal((await command(url, 'lease4-get', { 'ip-address': formatIpv4(address!) })).arguments.state, 0, 'still held, not renewed');
    // A new client is served from the new range only.
    const fresh = await dora(6);
    assert.ok(fresh !== null && fresh > address!);
    assert.equal((await command(url, 'config-set', { Hydra: doc })).result, 0);
  });

  it('config-reload re-reads the file; a broken file is refused with its line', async () => {
    writeFileSync(hydra.configFile, CONFIG_YAML.replace('name: side', 'name: side-reloaded'));
    assert.deepEqual(await command(url, 'config-reload'), { result: 0, text: 'Configuration successful.' });
    assert.equal((await command(url, 'config-get')).arguments.Hydra.subnets[1].name, 'side-reloaded');
    writeFileSync(hydra.configFile, CONFIG_YAML.replace('10.78.0.10-10.78.0.19', '10.78.0.10-10.79.0.19'));
    const bad = await command(url, 'config-reload');
    assert.equal(bad.result, 1);
    assert.match(bad.text, /hydra\.yaml:\d+:\d+: subnets\[1\]\.pools\[0\]/);
    assert.equal((await command(url, 'config-get')).arguments.Hydra.subnets[1].name, 'side-reloaded');
    const cli = hydraCli(['reload', '--control', url]);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /^hydra reload: Config reload failed/);
    writeFileSync(hydra.configFile, CONFIG_YAML);
    const ok = hydraCli(['reload', '--control', url]);
    assert.equal(ok.status, 0, ok.stderr);
  });

  it('config-write writes inside the configuration directory only', async () => {
    const w = await command(url, 'config-write', { filename: 'written.json' });
    assert.equal(w.result, 0);
    assert.equal(w.arguments.filename, join(hydra.dir, 'written.json'));
    const written = JSON.parse(readFileSync(join(hydra.dir, 'written.json'), 'utf8'));
    assert.equal(written.subnets.length, 2);
    assert.ok(w.arguments.size > 10);
    for (const filename of ['../escape.json', '/etc/hydra-test.json']) {
      const r = await command(url, 'config-write', { filename });
      assert.equal(r.result, 1, filename);
      assert.match(r.text, /inside the configuration directory/);
    }
  });

  it('status-get, version-get and hydra status', async () => {
    const s = await command(url, 'status-get');
    assert.equal(s.result, 0);
    assert.equal(s.arguments.pid, hydra.proc.pid);
    assert.equal(typeof s.arguments.uptime, 'number');
    assert.equal(typeof s.arguments.reload, 'number');
    assert.equal(s.arguments['dhcp-enabled'], true);
    const v = await command(url, 'version-get');
    assert.equal(v.result, 0);
    assert.match(v.text, /^\d+\.\d+\.\d+$/);
    assert.match(v.arguments.extended, /^Hydra /);
    const cli = hydraCli(['status', '--control', url]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`pid\\s+${hydra.proc.pid}`));
    assert.match(cli.stdout, /dhcp\s+enabled/);
  });

  it('dhcp-disable drops DHCP traffic until dhcp-enable or max-period', async () => {
    assert.deepEqual(await command(url, 'dhcp-disable'), { result: 0, text: 'DHCPv4 service disabled' });
    assert.equal((await command(url, 'status-get')).arguments['dhcp-enabled'], false);
    assert.equal((await relay.transact(relay.message(MSG.DISCOVER, macFor(7)))).reply, null, 'no answer while disabled');
    assert.deepEqual(await command(url, 'dhcp-enable'), { result: 0, text: 'DHCP service successfully enabled' });
    assert.equal(messageTypeOf((await relay.transact(relay.message(MSG.DISCOVER, macFor(7)))).reply), MSG.OFFER);
    assert.equal((await command(url, 'dhcp-disable', { 'max-period': 1 })).text, 'DHCPv4 service disabled for 1 seconds');
    const deadline = Date.now() + 5000;
    while ((await command(url, 'status-get')).arguments['dhcp-enabled'] === false && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await command(url, 'status-get')).arguments['dhcp-enabled'], true, 're-enabled after max-period');
    assert.equal((await command(url, 'dhcp-disable', { 'max-period': 'soon' })).result, 1);
  });

  it('leases-reclaim needs remove and reclaims expired leases', async () => {
    const past = Math.floor(Date.now() / 1000) - 100;
    await command(url, 'lease4-add', { 'ip-address': '10.77.0.150', 'hw-address': '02:00:00:00:01:50', 'valid-lft': 10, expire: past });
    const missing = await command(url, 'leases-reclaim');
    assert.equal(missing.result, 1);
    const r = await command(url, 'leases-reclaim', { remove: true });
    assert.equal(r.result, 0);
    assert.equal(r.text, 'Reclamation of expired leases is complete.');
    assert.equal((await command(url, 'lease4-get', { 'ip-address': '10.77.0.150' })).result, 3);
  });

  it('error shapes: malformed JSON, unknown command, no command, service lists', async () => {
    const malformed = await post(url, '{"command": "status-get",');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.result, 1);
    assert.match(malformed.body.text, /malformed JSON/);
    const emptyBody = await post(url, '');
    assert.equal(emptyBody.body.result, 1);
    assert.deepEqual((await post(url, { command: 'lease6-get' })).body, { result: 2, text: "'lease6-get' command not supported." });
    assert.match((await post(url, { arguments: {} })).body.text, /missing 'command'/);
    assert.equal((await post(url, [1, 2])).body.result, 1);
    assert.match((await post(url, { command: 'status-get', arguments: [1] })).body.text, /"arguments" must be a map/);
    assert.match((await post(url, { command: 'status-get', extra: 1 })).body.text, /unknown key 'extra'/);
    const svc = await post(url, { command: 'version-get', service: ['dhcp4'] });
    assert.ok(Array.isArray(svc.body));
    assert.equal(svc.body[0].result, 0);
    const other = await post(url, { command: 'version-get', service: ['dhcp6'] });
    assert.equal(other.body[0].result, 1);
    const get = await fetch(url + 'nothing');
    assert.equal(get.status, 404);
    assert.equal(((await get.json()) as any).result, 1);
    for (const r of [malformed, emptyBody]) assert.doesNotMatch(JSON.stringify(r.body), /\n\s+at /);
  });

  it('shutdown stops the server', async () => {
    assert.deepEqual(await command(url, 'shutdown'), { result: 0, text: 'Shutting down.' });
    assert.equal(await exited(hydra.proc, 5000), 0);
    const cli = hydraCli(['status', '--control', url]);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /^hydra status: no Hydra server answers at .*ECONNREFUSED/);
    assert.equal(cli.stderr.trim().split('\n').length, 1);
  });
});
