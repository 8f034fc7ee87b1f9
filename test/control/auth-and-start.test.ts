// Who may use the API, where it may listen, and that an API write is durable when it is answered.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { command, hydraCli, post, startHydra, stopProcess, workDir, type Hydra } from './control-harness.js';

const UDP = 50000 + (process.pid % 5000) * 2;
const CONTROL = UDP + 1;

describe('management API credentials and binding', () => {
  let hydra: Hydra | undefined;
  after(async () => {
    if (hydra) await hydra.stop();
  });

  it('refuses a non-loopback --control without credentials, in one line, before serving', () => {
    for (const addr of ['0.0.0.0:8067', '10.77.0.1:8067']) {
      const r = hydraCli(['--bind', '127.0.0.1', '-U', String(UDP), '--control', addr, '--data-dir', workDir()]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^hydra: --control .* is not a loopback address: set --control-token/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    const bad = hydraCli(['--control', 'nowhere', '--data-dir', workDir()]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--control: expected ADDR:PORT/);
    const half = hydraCli(['--control-user', 'ops', '--data-dir', workDir()]);
    assert.equal(half.status, 2);
    assert.match(half.stderr, /go together/);
  });

  it('a bearer token is demanded when set (flag or HYDRA_CONTROL_TOKEN)', async () => {
    hydra = await startHydra({ dir: workDir(), udpPort: UDP, controlPort: CONTROL, env: { HYDRA_CONTROL_TOKEN: 's3cret-token' } });
    const none = await post(hydra.url, { command: 'status-get' });
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { result: 401, text: 'Unauthorized' });
    const wrong = await post(hydra.url, { command: 'status-get' }, { authorization: 'Bearer nope-nope-nope' });
    assert.equal(wrong.status, 401);
    const basic = await post(hydra.url, { command: 'status-get' }, { authorization: `Basic ${Buffer.from('a:s3cret-token').toString('base64')}` });
    assert.equal(basic.status, 401);
    assert.equal((await command(hydra.url, 'status-get', undefined, { authorization: 'Bearer s3cret-token' })).result, 0);

    const refused = hydraCli(['status', '--control', hydra.url], { HYDRA_CONTROL_TOKEN: '' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /refused the credentials \(HTTP 401\)/);
    const okCli = hydraCli(['status', '--control', hydra.url, '--control-token', 's3cret-token']);
    assert.equal(okCli.status, 0, okCli.stderr);
    const okEnv = hydraCli(['pools', '--control', hydra.url], { HYDRA_CONTROL_TOKEN: 's3cret-token' });
    assert.equal(okEnv.status, 0, okEnv.stderr);
    await hydra.stop();
    hydra = undefined;
  });

  it('basic credentials are demanded when set', async () => {
    hydra = await startHydra({ dir: workDir(), udpPort: UDP, controlPort: CONTROL, extra: ['--control-user', 'ops', '--control-password', 'pa:ss'] });
    const auth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    assert.equal((await post(hydra.url, { command: 'status-get' })).status, 401);
    assert.equal((await post(hydra.url, { command: 'status-get' }, auth('ops', 'wrong'))).status, 401);
    assert.equal((await post(hydra.url, { command: 'status-get' }, auth('root', 'pa:ss'))).status, 401);
    assert.equal((await command(hydra.url, 'status-get', undefined, auth('ops', 'pa:ss'))).result, 0);
    const cli = hydraCli(['stats', '--control', hydra.url, '--control-user', 'ops', '--control-password', 'pa:ss']);
    assert.equal(cli.status, 0, cli.stderr);
    await hydra.stop();
    hydra = undefined;
  });

  it('a busy --control port stops the start with one line; --control off serves without the API', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(CONTROL, '127.0.0.1', r));
    try {
      const r = hydraCli(['--bind', '127.0.0.1', '-U', String(UDP), '--control', `127.0.0.1:${CONTROL}`, '--data-dir', workDir(), '-T', '1']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /management API: cannot listen on 127\.0\.0\.1:\d+: address in use/);
      const off = hydraCli(['--bind', '127.0.0.1', '-U', String(UDP), '--control', 'off', '--data-dir', workDir(), '-T', '1']);
      assert.equal(off.status, 0, off.stderr);
      assert.doesNotMatch(off.stderr, /management API listening/);
    } finally {
      blocker.close();
    }
  });

  it('lease4-add is durable when answered: the lease survives SIGKILL right after', async () => {
    const dir = workDir();
    hydra = await startHydra({ dir, udpPort: UDP, controlPort: CONTROL });
    const add = await command(hydra.url, 'lease4-add', { 'ip-address': '10.77.0.123', 'hw-address': '02:00:00:00:01:23', hostname: 'kept' });
    assert.equal(add.result, 0);
    hydra.proc.kill('SIGKILL');
    await stopProcess(hydra.proc);
    hydra = await startHydra({ dir, udpPort: UDP, controlPort: CONTROL });
    const got = await command(hydra.url, 'lease4-get', { 'ip-address': '10.77.0.123' });
    assert.equal(got.result, 0);
    assert.equal(got.arguments.hostname, 'kept');
    const del = await command(hydra.url, 'lease4-del', { 'ip-address': '10.77.0.123' });
    assert.equal(del.result, 0);
    hydra.proc.kill('SIGKILL');
    await stopProcess(hydra.proc);
    hydra = await startHydra({ dir, udpPort: UDP, controlPort: CONTROL });
    assert.equal((await command(hydra.url, 'lease4-get', { 'ip-address': '10.77.0.123' })).result, 3, 'the delete was durable too');
  });
});
