// Loads the hydra_net addon (native/hydra_net.c, built by node-gyp at `npm install`/`npm ci`).
// Node's dgram cannot bind a socket to a device nor add a neighbour entry; the addon adds both.
// A missing or broken addon is not fatal: callers get `unavailableReason` and use plain dgram
// (see transport.ts for what that costs).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:dgram';

export interface HydraNet {
  /** setsockopt(SO_BINDTODEVICE): receive only from, and send only through, `ifname`. */
  bindToDevice(fd: number, ifname: string): void;
  /** ioctl(SIOCSARP, ATF_COM): neighbour entry ip → mac on ifname. */
  setArpEntry(ifname: string, ip: string, mac: Uint8Array): void;
  /** Hydra mode: a bound UDP socket with SO_REUSEPORT (and SO_BINDTODEVICE when ifname given). */
  openReusePortUdp?(address: string, port: number, ifname: string | null): number;
  /** Hydra mode: SO_ATTACH_REUSEPORT_CBPF steering each packet to socket shardOf(chaddr, groupSize). */
  attachClientSteering?(fd: number, groupSize: number): void;
  boundPort?(fd: number): number;
  closeFd?(fd: number): void;
}

/** The addon's Hydra-mode calls, all present. */
export type SteeringNet = Required<HydraNet>;

/** The addon with its Hydra-mode calls, or why there is none (an addon built before them). */
export function loadSteeringNet(): { ok: true; addon: SteeringNet } | { ok: false; reason: string } {
  // For tests of the refusal, and to rule steering out when diagnosing a machine.
  if (process.env.HYDRA_NO_STEERING === '1') return { ok: false, reason: 'client steering disabled (HYDRA_NO_STEERING=1)' };
  const load = loadNative();
  if (!load.ok) return load;
  const a = load.addon;
  if (!a.openReusePortUdp || !a.attachClientSteering || !a.boundPort || !a.closeFd) {
    return { ok: false, reason: 'native addon lacks openReusePortUdp/attachClientSteering (rebuild it: npm rebuild)' };
  }
  return { ok: true, addon: a as SteeringNet };
}

export type NativeLoad = { ok: true; addon: HydraNet } | { ok: false; reason: string };

const ADDON = 'build/Release/hydra_net.node';

/** The repo root holding build/: two levels above src/net, three above dist/src/net. */
function candidatePaths(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [resolve(here, '../../..', ADDON), resolve(here, '../..', ADDON)];
}

let cached: NativeLoad | undefined;

export function loadNative(): NativeLoad {
  if (cached) return cached;
  if (process.platform !== 'linux') {
    cached = { ok: false, reason: `hydra_net needs Linux (this is ${process.platform})` };
    return cached;
  }
  const path = candidatePaths().find((p) => existsSync(p));
  if (!path) {
    cached = { ok: false, reason: `native addon not built (${ADDON} missing; run npm rebuild)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as HydraNet;
    if (typeof addon.bindToDevice !== 'function' || typeof addon.setArpEntry !== 'function') {
      cached = { ok: false, reason: `native addon at ${path} lacks bindToDevice/setArpEntry` };
    } else {
      cached = { ok: true, addon };
    }
  } catch (err) {
    cached = { ok: false, reason: `native addon failed to load: ${(err as Error).message}` };
  }
  return cached;
}

/**
 * The OS file descriptor of a bound dgram socket. Node keeps it on an internal handle; reading
 * it through the state symbol avoids the DEP0112 warning that `socket._handle` prints.
 */
export function socketFd(socket: Socket): number {
  const s = socket as unknown as Record<symbol, unknown>;
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    const state = s[sym] as { handle?: { fd?: unknown } } | undefined;
    if (state && typeof state === 'object' && state.handle && typeof state.handle.fd === 'number' && state.handle.fd >= 0) {
      return state.handle.fd;
    }
  }
  const legacy = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
  if (legacy && typeof legacy.fd === 'number' && legacy.fd >= 0) return legacy.fd;
  throw new Error('cannot find the file descriptor of a dgram socket (is it bound?)');
}
