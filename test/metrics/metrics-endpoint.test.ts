// GET /metrics from a real hydra on loopback after relayed DORAs, a RELEASE and two kinds of
// drops: every family has the advertised type and the values match what was driven.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ipv4Bytes, parseIpv4 } from '../../src/protocol/ipv4.js';
import { freePort, HydraProcess } from '../durability/hydra-server.js';
import { macFor, messageTypeOf, MSG, RelayClient, serverIdOf } from '../support/relay-client.js';
import { controlPortOf, histogram, lineValue, sampleValue, scrape, type Scrape } from './scrape.js';

const CONFIG = `lease-time: 3600
subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.100-10.77.0.199]
  - id: 7
    subnet: 10.78.0.0/24
    pools: [10.78.0.10-10.78.0.19, 10.78.0.30-10.78.0.39]
    exclude: [10.78.0.15]
`;

describe('GET /metrics on a running server', () => {
  const work = mkdtempSync(join(tmpdir(), 'hydra-metrics-'));
  let server: HydraProcess;
  let relay: RelayClient;
  let s: Scrape;

  before(async () => {
    const port = await freePort();
    writeFileSync(join(work, 'hydra.yaml'), CONFIG);
    server = await HydraProcess.start(port, ['--config', join(work, 'hydra.yaml'), '--data-dir', join(work, 'data'), '--control', '127.0.0.1:0']);
    relay = await RelayClient.open({ port });
    // Five DORAs in subnet 1, one in subnet 7.
    const acked: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = i === 5 ? await RelayClient.open({ port, relay: '127.0.0.3', subnet: '10.78.0.0' }) : relay;
      const offer = await r.transact(r.message(MSG.DISCOVER, macFor(i)));
      assert.equal(messageTypeOf(offer.reply), MSG.OFFER, server.stderr);
      const ack = await r.transact(r.message(MSG.REQUEST, macFor(i), { requested: offer.reply!.yiaddr, serverId: serverIdOf(offer.reply!)! }));
      assert.equal(messageTypeOf(ack.reply), MSG.ACK, server.stderr);
      acked.push(ack.reply!.yiaddr);
      if (r !== relay) r.close();
    }
    // One RELEASE (answered by silence, but a lease change).
    relay.send(relay.message(MSG.RELEASE, macFor(0), { ciaddr: acked[0]!, serverId: parseIpv4('127.0.0.1')! }));
    // Two drops: a packet that does not parse, and a DISCOVER for a network we do not serve.
    const junk = dgram.createSocket('udp4');
    await new Promise<void>((r) => junk.bind(0, '127.0.0.4', r));
    await new Promise<void>((r) => junk.send(Buffer.from('not dhcp'), port, '127.0.0.1', () => r()));
    junk.close();
    const stray = relay.message(MSG.DISCOVER, macFor(99));
    stray.options.set(118, ipv4Bytes(parseIpv4('10.99.0.0')!));
    relay.send(stray);
    // RELEASE and drops have no answer: wait until the server has counted them.
    const deadline = Date.now() + 5000;
    for (;;) {
      s = await scrape(controlPortOf(server));
      if (sampleValue(s, 'hydra_packets_received_total', { type: 'release' }) === 1 && sampleValue(s, 'hydra_packets_dropped_total', { reason: 'no-subnet' }) === 1) break;
      if (Date.now() > deadline) throw new Error(`the server did not count the RELEASE and the drops:\n${s.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The released record's sync may still be running; one more scrape once it is durable.
    await new Promise((r) => setTimeout(r, 100));
    s = await scrape(controlPortOf(server));
  });

  after(async () => {
    relay?.close();
    await server?.kill('SIGTERM');
  });

  it('answers in the Prometheus text format 0.0.4', () => {
    assert.match(s.contentType, /^text\/plain; version=0\.0\.4/);
    assert.ok(s.families.size > 20, `${s.families.size} families`);
  });

  it('declares each family with its type', () => {
    const types: Record<string, string> = {
      hydra_packets_received_total: 'COUNTER',
      hydra_packets_sent_total: 'COUNTER',
      hydra_packets_dropped_total: 'COUNTER',
      hydra_leases: 'GAUGE',
      hydra_pool_addresses: 'GAUGE',
      hydra_pool_utilisation_ratio: 'GAUGE',
      hydra_reply_latency_seconds: 'HISTOGRAM',
      hydra_commit_latency_seconds: 'HISTOGRAM',
      hydra_store_sync_batch_records: 'HISTOGRAM',
      hydra_config_reloads_total: 'COUNTER',
      process_cpu_seconds_total: 'COUNTER',
      process_resident_memory_bytes: 'GAUGE',
      nodejs_heap_size_used_bytes: 'GAUGE',
    };
    for (const [name, type] of Object.entries(types)) assert.equal(s.families.get(name)?.type, type, `${name}:\n${s.text}`);
  });

  it('counts packets in by type and out by type', () => {
    assert.equal(sampleValue(s, 'hydra_packets_received_total', { type: 'discover' }), 7);
    assert.equal(sampleValue(s, 'hydra_packets_received_total', { type: 'request' }), 6);
    assert.equal(sampleValue(s, 'hydra_packets_received_total', { type: 'release' }), 1);
    assert.equal(sampleValue(s, 'hydra_packets_received_total', { type: 'inform' }), 0);
    assert.equal(sampleValue(s, 'hydra_packets_sent_total', { type: 'offer' }), 6);
    assert.equal(sampleValue(s, 'hydra_packets_sent_total', { type: 'ack' }), 6);
    assert.equal(sampleValue(s, 'hydra_packets_sent_total', { type: 'nak' }), 0);
  });

  it('counts drops by reason', () => {
    assert.equal(sampleValue(s, 'hydra_packets_dropped_total', { reason: 'parse-failed' }), 1);
    assert.equal(sampleValue(s, 'hydra_packets_dropped_total', { reason: 'no-subnet' }), 1);
  });

  it('shows leases by subnet and state, and pool utilisation', () => {
    assert.equal(sampleValue(s, 'hydra_leases', { subnet: '1', state: 'bound' }), 4);
    assert.equal(sampleValue(s, 'hydra_leases', { subnet: '1', state: 'released' }), 1);
    assert.equal(sampleValue(s, 'hydra_leases', { subnet: '1', state: 'offered' }), 0);
    assert.equal(sampleValue(s, 'hydra_leases', { subnet: '7', state: 'bound' }), 1);
    assert.equal(sampleValue(s, 'hydra_pool_addresses', { subnet: '1' }), 100);
    assert.equal(sampleValue(s, 'hydra_pool_addresses', { subnet: '7' }), 19, 'two ranges of 10, one excluded');
    assert.equal(sampleValue(s, 'hydra_pool_utilisation_ratio', { subnet: '1' }), 0.04);
    assert.ok(Math.abs(sampleValue(s, 'hydra_pool_utilisation_ratio', { subnet: '7' }) - 1 / 19) < 1e-9);
  });

  it('has reply latency per reply type, and commit and sync histograms that add up', () => {
    assert.equal(lineValue(s, 'hydra_reply_latency_seconds_count{type="ack"}'), 6);
    assert.equal(lineValue(s, 'hydra_reply_latency_seconds_count{type="offer"}'), 6);
    assert.equal(lineValue(s, 'hydra_reply_latency_seconds_count{type="nak"}'), 0);
    assert.equal(lineValue(s, 'hydra_reply_latency_seconds_bucket{type="ack",le="+Inf"}'), 6);
    const sum = lineValue(s, 'hydra_reply_latency_seconds_sum{type="ack"}');
    assert.ok(sum > 0 && sum < 6 * 2.5, `ack latency sum ${sum}`);
    // Buckets are cumulative (the unlabelled histograms come back whole from the parser).
    const batch = histogram(s, 'hydra_store_sync_batch_records')!;
    const counts = Object.values(batch.buckets!).map(Number);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, `${JSON.stringify(batch.buckets)}`);
    // Six bound records and one released record were written; offers are never written.
    assert.equal(Number(batch.sum), 7);
    assert.ok(Number(batch.count) >= 1 && Number(batch.count) <= 7);
    const commit = histogram(s, 'hydra_commit_latency_seconds')!;
    assert.ok(Number(commit.count) >= 7, `every written commit is timed (${commit.count})`);
  });
});
