import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLeasesCommand, type CommandOutput } from '../../src/cli/leases-command.js';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { parseHydraCsv } from '../../src/leases/formats/hydra-csv.js';
import { parseHydraJson } from '../../src/leases/formats/hydra-json.js';
import { parseKeaMemfile } from '../../src/leases/formats/kea-memfile.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';

const CONFIG = `lease-time: 3600
subnets:
  - id: 7
    name: lab
    subnet: 10.77.0.0/24
    pools: [10.77.0.100-10.77.0.199]
  - id: 9
    name: office
    subnet: 10.78.0.0/24
    pools: [10.78.0.10-10.78.0.99]
`;

const KEA = [
  'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id',
  '10.77.0.100,02:00:00:00:00:01,01:02:00:00:00:00:01,3600,1795003600,1,0,0,laptop,0,,0',
  '10.78.0.20,02:00:00:00:00:02,,3600,1795003700,2,0,0,smith&#x2c john,0,,0',
  '10.77.0.100,02:00:00:00:00:01,01:02:00:00:00:00:01,3600,1795005400,1,0,0,laptop,0,,0',
  '10.77.0.102,,,86400,1795086400,1,0,0,,1,,0',
  '10.77.0.103,02:00:00:00:00:03,,3600,1794990000,1,0,0,old-pc,2,,0',
  '192.168.1.10,02:00:00:00:00:04,,3600,1795003600,5,0,0,elsewhere,0,,0',
  '10.77.0.105,zz:00:00:00:00:05,,3600,1795003600,1,0,0,,0,,0',
  '',
].join('\n');

const DHCPD = `# dhcpd.leases
lease 10.77.0.150 {
  starts 3 2026/11/25 10:00:00;
  ends 3 2026/11/25 11:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:50;
  client-hostname "pc50";
}
`;

function capture(now = 1795000000): CommandOutput & { out: string; err: string } {
  const c = { out: '', err: '', stdout: (t: string) => void (c.out += t), stderr: (t: string) => void (c.err += t), now: () => now };
  return c;
}

async function withDirs(fn: (d: { dir: string; data: string; config: string }) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-leases-cmd-'));
  try {
    const config = join(dir, 'hydra.yaml');
    await writeFile(config, CONFIG);
    await fn({ dir, data: join(dir, 'data'), config });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('leases command: import a Kea memfile, export JSON and CSV: same addresses, clients and expiries', async () => {
  await withDirs(async ({ dir, data, config }) => {
    const kea = join(dir, 'kea-leases4.csv');
    await writeFile(kea, KEA);
    const imp = capture();
    assert.equal(await runLeasesCommand(['import', kea, '--format', 'kea-csv', '--config', config, '--data-dir', data], imp), 0, imp.err);
    assert.equal(imp.out, 'imported 4 leases (2 skipped)\n');
    assert.deepEqual(imp.err.trim().split('\n'), [
      `${kea}:7: 192.168.1.10 is in no configured subnet; the lease is skipped`,
      `${kea}:8: hwaddr: expected colon-separated hex bytes, got 'zz:00:00:00:00:05'`,
    ]);

    const json = capture();
    assert.equal(await runLeasesCommand(['export', '--data-dir', data], json), 0, json.err);
    assert.match(json.err, /^exported 4 leases \(bound 2, released 0, expired 1, declined 1\)\n$/);
    const exported = parseHydraJson(json.out);
    assert.deepEqual(exported.problems, []);

    const expected = parseKeaMemfile(KEA).leases.filter((l) => !formatIpv4(l.address).startsWith('192.'));
    const view = (ls: typeof expected) => ls
      .map((l) => [formatIpv4(l.address), l.clientKey, l.state, l.hostname, l.issuedAt, l.expiresAt])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    assert.deepEqual(view(exported.leases), view(expected));
    assert.deepEqual(
      exported.leases.map((l) => [formatIpv4(l.address), l.subnetId]),
      [['10.77.0.100', 7], ['10.77.0.102', 7], ['10.77.0.103', 7], ['10.78.0.20', 9]],
      'subnets come from the configuration, by address, sorted by address',
    );

    const csvFile = join(dir, 'out.csv');
    const csv = capture();
    assert.equal(await runLeasesCommand(['export', '--format', 'csv', '--output', csvFile, '--data-dir', data], csv), 0, csv.err);
    assert.equal(csv.out, '', 'with --output nothing goes to stdout');
    assert.deepEqual(parseHydraCsv(await readFile(csvFile, 'utf8')).leases, exported.leases);
  });
});

test('leases command: dry run changes nothing; --replace leaves only the file; re-import of an export is exact', async () => {
  await withDirs(async ({ dir, data, config }) => {
    const kea = join(dir, 'kea.csv');
    const dhcpd = join(dir, 'dhcpd.leases');
    await writeFile(kea, KEA);
    await writeFile(dhcpd, DHCPD);
    const args = ['--config', config, '--data-dir', data];
    assert.equal(await runLeasesCommand(['import', kea, '--format', 'kea-csv', ...args], capture()), 0);

    const dry = capture();
    assert.equal(await runLeasesCommand(['import', dhcpd, '--format', 'dhcpd', '--replace', '--dry-run', ...args], dry), 0);
    assert.equal(dry.out, 'would import 1 leases (0 skipped); dry run, the store is unchanged\n');
    const before = capture();
    await runLeasesCommand(['export', '--data-dir', data], before);
    assert.equal(parseHydraJson(before.out).leases.length, 4);

    const saved = join(dir, 'saved.json');
    await writeFile(saved, before.out);

    const rep = capture();
    assert.equal(await runLeasesCommand(['import', dhcpd, '--format', 'dhcpd', '--replace', ...args], rep), 0, rep.err);
    assert.equal(rep.out, `imported 1 leases (0 skipped)\nremoved 4 stored records not in ${dhcpd}\n`);
    const after = capture();
    await runLeasesCommand(['export', '--data-dir', data], after);
    assert.deepEqual(parseHydraJson(after.out).leases.map((l) => [formatIpv4(l.address), l.hostname, l.subnetId]), [['10.77.0.150', 'pc50', 7]]);

    // Merge the saved export back: the five records, the four as they were.
    const back = capture();
    assert.equal(await runLeasesCommand(['import', saved, '--format', 'hydra-json', ...args], back), 0, back.err);
    assert.equal(back.out, 'imported 4 leases (0 skipped)\n');
    const merged = capture();
    await runLeasesCommand(['export', '--data-dir', data], merged);
    const m = parseHydraJson(merged.out).leases;
    assert.equal(m.length, 5);
    assert.deepEqual(m.filter((l) => l.address !== parseHydraJson(after.out).leases[0]!.address), parseHydraJson(before.out).leases);
  });
});

test('leases command: a store in use is refused; bad input never touches the store; usage errors exit 2', async () => {
  await withDirs(async ({ dir, data, config }) => {
    const store = await openEmbeddedStore({ dataDir: data });
    try {
      const busy = capture();
      assert.equal(await runLeasesCommand(['export', '--data-dir', data], busy), 1);
      assert.match(busy.err, /^hydra leases: lease store .* is in use by process \d+/);
    } finally {
      await store.close();
    }

    const typo = capture();
    assert.equal(await runLeasesCommand(['export', '--data-dir', join(dir, 'dtaa')], typo), 1);
    assert.match(typo.err, /no lease store at .*dtaa/);

    const dhcpd = join(dir, 'dhcpd.leases');
    await writeFile(dhcpd, DHCPD);
    const wrong = capture();
    assert.equal(await runLeasesCommand(['import', dhcpd, '--format', 'kea-csv', '--replace', '--config', config, '--data-dir', data], wrong), 1);
    assert.match(wrong.err, /dhcpd\.leases:1: not a Kea lease4 memfile/);
    assert.match(wrong.err, /no lease could be read; the store is unchanged/);

    const missing = capture();
    assert.equal(await runLeasesCommand(['import', join(dir, 'nope.csv'), '--format', 'kea-csv', '--config', config, '--data-dir', data], missing), 1);
    assert.match(missing.err, /nope\.csv: no such file/);

    const badConfig = capture();
    assert.equal(await runLeasesCommand(['import', dhcpd, '--format', 'dhcpd', '--config', join(dir, 'absent.yaml'), '--data-dir', data], badConfig), 1);
    assert.match(badConfig.err, /absent\.yaml/);

    for (const argv of [[], ['frobnicate'], ['export', '--format', 'xml'], ['import', dhcpd], ['import', '--format', 'dhcpd'], ['import', dhcpd, '--format', 'isc'], ['export', '--bogus']]) {
      const c = capture();
      assert.equal(await runLeasesCommand(argv, c), 2, argv.join(' '));
    }
    const help = capture();
    assert.equal(await runLeasesCommand(['--help'], help), 0);
    assert.match(help.out, /refused while a server runs on DIR/);
  });
});
