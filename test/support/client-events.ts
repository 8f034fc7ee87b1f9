// Hook scripts for real DHCP clients. Each script records every event the client reports (its
// whole environment, one file per event) and, for clients that leave it to the script, applies the
// leased address itself, so no distribution script ever edits resolv.conf or routes.
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './netns.js';

export type ClientKind = 'dhclient' | 'udhcpc' | 'dhcpcd';

/** One client event: the environment the client gave its script, plus EVENT for udhcpc's $1. */
export type ClientEvent = Record<string, string>;

// How each client's script applies (or not) what it was given. dhclient and udhcpc expect their
// script to configure the interface; dhcpcd configures it itself and only informs the script.
const APPLY: Record<ClientKind, string> = {
  dhclient: `
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then ip -4 addr flush dev "$interface"; fi
    ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "$interface" ;;
esac`,
  udhcpc: `
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up ;;
  bound|renew) ip -4 addr replace "$ip/$subnet" dev "$interface" ;;
esac`,
  dhcpcd: '',
};

export class ClientEvents {
  private constructor(
    readonly dir: string,
    readonly script: string,
  ) {}

  /** Writes the hook script for `kind` into `<baseDir>/<name>/`. */
  static async create(baseDir: string, name: string, kind: ClientKind): Promise<ClientEvents> {
    const dir = join(baseDir, name, 'events');
    await mkdir(dir, { recursive: true });
    const script = join(baseDir, name, `${kind}-hook.sh`);
    // A nanosecond timestamp orders the files; write-then-rename keeps readers from seeing half a file.
    const text = `#!/bin/sh
n=$(date +%s%N)
EVENT="$1" env > "${dir}/.$n.$$"
mv "${dir}/.$n.$$" "${dir}/$n.$$.env"
${APPLY[kind]}
exit 0
`;
    await writeFile(script, text);
    await chmod(script, 0o755);
    return new ClientEvents(dir, script);
  }

  /** All events so far, oldest first. */
  async all(): Promise<ClientEvent[]> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.env')).sort(byTimestamp);
    const events: ClientEvent[] = [];
    for (const n of names) events.push(parseEnv(await readFile(join(this.dir, n), 'utf8')));
    return events;
  }

  /** The event name: $reason for dhclient/dhcpcd, $1 for udhcpc. */
  static reasonOf(e: ClientEvent): string {
    return e.reason ?? e.EVENT ?? '';
  }

  /** Waits for the first event after the first `skip` events whose reason is one of `reasons`. */
  async waitReason(reasons: string[], skip = 0, timeoutMs = 20_000): Promise<ClientEvent> {
    return waitFor(`client event ${reasons.join('|')} (after ${skip} earlier events)`, async () => {
      const events = (await this.all()).slice(skip);
      return events.find((e) => reasons.includes(ClientEvents.reasonOf(e)));
    }, timeoutMs, 100);
  }

  /** Reasons seen so far, for failure messages. */
  async summary(): Promise<string> {
    return (await this.all()).map(ClientEvents.reasonOf).join(', ') || '(no events)';
  }
}

function byTimestamp(a: string, b: string): number {
  const ta = BigInt(a.split('.')[0]!);
  const tb = BigInt(b.split('.')[0]!);
  return ta < tb ? -1 : ta > tb ? 1 : a.localeCompare(b);
}

function parseEnv(text: string): ClientEvent {
  const env: ClientEvent = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, eq))) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
