// The log formats and levels of the real process: JSON records by default off a terminal,
// pretty lines on request, -d adds each packet's fields, and a bad --log-format is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, HYDRA_MAIN, HydraProcess } from '../durability/hydra-server.js';
import { findRecord, logRecords } from '../support/log-records.js';
import { macFor, MSG, RelayClient } from '../support/relay-client.js';

const work = mkdtempSync(join(tmpdir(), 'hydra-logging-'));

describe('logging', () => {
  it('--log-format pretty: one readable line per record, no JSON', async () => {
    const port = await freePort();
    const r = spawnSync(process.execPath, [HYDRA_MAIN, '--bind', '127.0.0.1', '-U', String(port), '-T', '1', '--control', 'off', '--log-format', 'pretty', '--data-dir', join(work, 'p')], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /INFO.*serving/);
    assert.match(r.stderr, /INFO.*stopped/);
    assert.equal(logRecords(r.stderr).length, 0, 'no JSON records');
  });

  it('refuses an unknown --log-format with one line and status 2', () => {
    const r = spawnSync(process.execPath, [HYDRA_MAIN, '--log-format', 'xml'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--log-format: expected json or pretty, got 'xml'/);
  });

  describe('-d on a running server', () => {
    let server: HydraProcess;
    let relay: RelayClient;
    before(async () => {
      const port = await freePort();
      server = await HydraProcess.start(port, ['-d', '--control', 'off', '--data-dir', join(work, 'd')]);
      relay = await RelayClient.open({ port });
    });
    after(async () => {
      relay?.close();
      await server?.kill('SIGTERM');
    });

    it('logs the packet fields and the decision of each request, as JSON records', async () => {
      const offer = await relay.transact(relay.message(MSG.DISCOVER, macFor(1)));
      assert.ok(offer.reply);
      const packet = findRecord(server.stderr, 'packet', { level: 'debug', chaddr: '02:d0:00:00:00:01' });
      assert.ok(packet, server.stderr);
      assert.equal(packet.giaddr, '127.0.0.2');
      assert.equal((packet.options as Record<string, string>)['53'], '01');
      const decision = findRecord(server.stderr, 'decision', { level: 'verbose', client: '02:d0:00:00:00:01', message: 'DISCOVER', reason: 'offer', reply: 'OFFER' });
      assert.ok(decision, server.stderr);
      assert.match(String(decision.address), /^10\.77\.0\.\d+$/);
    });
  });
});
