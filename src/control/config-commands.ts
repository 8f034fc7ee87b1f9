import { createHash } from 'node:crypto';
import { has, onlyKeys, str, type Args } from './command-args.js';
import type { CommandTable } from './command-table.js';
import { ArgumentError, error, ok } from './kea-answer.js';
import type { ServerControl } from './server-control.js';

// Kea's config commands, with Hydra's configuration (the YAML file's shape, as JSON) under the
// "Hydra" key where Kea has "Dhcp4".

function candidate(args: Args): unknown {
  if (has(args, 'Hydra')) {
    // config-get's answer fed back as it is: its hash is ignored.
    onlyKeys(args, ['Hydra', 'hash']);
    return args.Hydra;
  }
  if (has(args, 'Dhcp4')) throw new ArgumentError('a Kea Dhcp4 configuration is not Hydra\'s: send {"Hydra": {...}} with the YAML configuration as JSON');
  // The bare document is accepted too: {"subnets": [...], ...}.
  if (has(args, 'subnets')) return args;
  throw new ArgumentError("'Hydra' parameter missing (the configuration, as the YAML file's keys in JSON)");
}

export function hashOf(document: unknown): string {
  return createHash('sha256').update(JSON.stringify(document)).digest('hex').toUpperCase();
}

export function configCommands(ctl: ServerControl): CommandTable {
  return {
    'config-get': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      const c = await ctl.config();
      return ok('', { Hydra: c.document, hash: hashOf(c.document) });
    } },
    'config-hash-get': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      return ok('Configuration hash.', { hash: hashOf((await ctl.config()).document) });
    } },
    'config-test': { needsArgs: true, run: async (args) => {
      const r = await ctl.testConfig(candidate(args));
      return r.ok ? ok('Configuration seems sane.') : error(r.message);
    } },
    'config-set': { needsArgs: true, run: async (args) => {
      const r = await ctl.setConfig(candidate(args));
      return r.ok ? ok('Configuration successful.') : error(`configuration refused, the running one stays in force: ${r.message}`);
    } },
    'config-reload': { needsArgs: false, run: async (args) => {
      onlyKeys(args, []);
      const r = await ctl.reloadConfig();
      return r.ok ? ok('Configuration successful.') : error(`Config reload failed, the running configuration stays in force: ${r.message}`);
    } },
    'config-write': { needsArgs: false, run: async (args) => {
      onlyKeys(args, ['filename']);
      const w = await ctl.writeConfig(has(args, 'filename') ? str(args, 'filename') : undefined);
      return ok(`Configuration written to ${w.path} successfully`, { filename: w.path, size: w.size });
    } },
  };
}
