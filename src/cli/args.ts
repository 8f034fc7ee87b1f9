import { parseArgs } from 'node:util';
import { parseIpv4, type Ipv4 } from '../protocol/ipv4.js';
import { CliError } from './cli-error.js';
import { controlSettings, type ControlSettings } from './control-flags.js';

export interface ServeOptions {
  poolDir?: string;
  configFile?: string;
  dataDir: string;
  /** Seed -P: worker count; accepted and validated, Hydra mode itself comes with the performance work. */
  cores?: number;
  /** Seed -M: 1, 2 or 4 middlemen (packet processors) per core. */
  middleman?: number;
  port: number;
  iface?: string;
  serverId?: Ipv4;
  /** Address to bind instead of every interface (e.g. 127.0.0.1 for a loopback-only relay setup). */
  bindAddress?: string;
  /** Seed --timeout: serve this many seconds, then stop cleanly. */
  timeoutSeconds?: number;
  /** --warm-up: synthetic exchanges run before the socket opens (runtime/warm-up.ts); 0 = none. */
  warmUpExchanges?: number;
  verbose: boolean;
  debug: boolean;
  /** The management API (--control, --control-token, ...); binding null = --control off; absent = off. */
  control?: ControlSettings;
  /** --log-format: JSON records, or rendered for a terminal; absent = pretty on a TTY, else json. */
  logFormat?: 'json' | 'pretty';
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; options: ServeOptions };

/** The unprivileged default port, so the quick start runs without root; use -U 67 in production. */
export const DEFAULT_PORT = 6767;

const spec = {
  pooldir: { type: 'string', short: 'D' },
  cores: { type: 'string', short: 'P' },
  version: { type: 'boolean', short: 'V' },
  verbose: { type: 'boolean', short: 'v' },
  debug: { type: 'boolean', short: 'd' },
  help: { type: 'boolean', short: 'h' },
  'help-seed': { type: 'boolean', short: '?' },
  middleman: { type: 'string', short: 'M' },
  udp: { type: 'string', short: 'U' },
  timeout: { type: 'string', short: 'T' },
  'warm-up': { type: 'string' },
  iface: { type: 'string', short: 'I' },
  config: { type: 'string', short: 'c' },
  'data-dir': { type: 'string' },
  'server-id': { type: 'string' },
  bind: { type: 'string' },
  control: { type: 'string' },
  'control-token': { type: 'string' },
  'control-user': { type: 'string' },
  'control-password': { type: 'string' },
  'log-format': { type: 'string' },
} as const;

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new CliError(`${flag}: expected a whole number from ${min} to ${max}, got '${text}'`);
  }
  return Number(text);
}

/**
 * The seed documented `-d <debug>`; a numeric level after -d is accepted and ignored so old
 * command lines keep working, since debug output here is one level.
 */
function dropSeedDebugLevel(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]!);
    if ((argv[i] === '-d' || argv[i] === '--debug') && /^\d+$/.test(argv[i + 1] ?? '')) i++;
  }
  return out;
}

export function parseCommandLine(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: dropSeedDebugLevel(argv), options: spec, strict: true, allowPositionals: true });
  } catch (e) {
    throw new CliError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
  const v = parsed.values;
  if (parsed.positionals.length > 0) {
    throw new CliError(`unexpected argument '${parsed.positionals[0]}' (see hydra --help)`);
  }
  if (v.help || v['help-seed']) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  if (v.pooldir !== undefined && v.config !== undefined) {
    throw new CliError('--pooldir and --config are alternatives: give one of them');
  }
  let serverId: Ipv4 | undefined;
  if (v['server-id'] !== undefined) {
    const a = parseIpv4(v['server-id']);
    if (a === null || a === 0) throw new CliError(`--server-id: expected an IPv4 address, got '${v['server-id']}'`);
    serverId = a;
  }
  if (v.bind !== undefined && parseIpv4(v.bind) === null) {
    throw new CliError(`--bind: expected an IPv4 address, got '${v.bind}'`);
  }
  let middleman: number | undefined;
  if (v.middleman !== undefined) {
    middleman = integer('-M/--middleman', v.middleman, 1, 4);
    if (![1, 2, 4].includes(middleman)) throw new CliError(`-M/--middleman: expected 1, 2 or 4, got '${v.middleman}'`);
  }
  if (v.iface !== undefined && !/^[\w.:@-]{1,15}$/.test(v.iface)) {
    throw new CliError(`-I/--iface: '${v.iface}' is not an interface name`);
  }
  const logFormat = v['log-format'];
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new CliError(`--log-format: expected json or pretty, got '${logFormat}'`);
  }
  return {
    kind: 'serve',
    options: {
      poolDir: v.pooldir,
      configFile: v.config,
      dataDir: v['data-dir'] ?? 'hydra-data',
      cores: v.cores === undefined ? undefined : integer('-P/--cores', v.cores, 1, 1024),
      middleman,
      port: v.udp === undefined ? DEFAULT_PORT : integer('-U/--udp', v.udp, 1, 65534),
      iface: v.iface,
      serverId,
      bindAddress: v.bind,
      timeoutSeconds: v.timeout === undefined ? undefined : integer('-T/--timeout', v.timeout, 1, 31_536_000),
      warmUpExchanges: v['warm-up'] === undefined ? undefined : integer('--warm-up', v['warm-up'], 0, 1_000_000),
      control: controlSettings(v),
      verbose: v.verbose ?? false,
      debug: v.debug ?? false,
      logFormat,
    },
  };
}
