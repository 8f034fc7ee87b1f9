// The two-namespace lab most real-client tests use: hydra in S serving one veth link to C,
// a capture on the server end. Registers its own before/after hooks in the calling describe().
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NetLab, type Capture, type Proc } from './netns.js';
import type { ClientEvent, ClientEvents } from './client-events.js';
import { startHydra, type HydraOptions } from './hydra.js';
import { step } from './diagnose.js';

export interface SingleClientLabOptions {
  /** NetLab tag (2–3 letters, unique per test file). */
  tag: string;
  /** The server's address on the link, e.g. 10.79.0.1/24. */
  serverAddr: string;
  /** The client interface's first MAC. */
  clientMac: string;
  /** How to start hydra (config or pools); it always serves the server end (-I). */
  hydra: Omit<HydraOptions, 'iface'>;
  /** Runs once namespaces and interface names exist, before the link is made (client config files, cleanups). */
  prepare?: (net: SingleClientLab) => Promise<void>;
}

/** Filled in by the before() hook: read the fields inside tests, not at describe() time. */
export interface SingleClientLab {
  readonly lab: NetLab;
  S: string;
  C: string;
  sIf: string;
  cIf: string;
  hydra: Proc;
  capture: Capture;
}

export function singleClientLab(opts: SingleClientLabOptions): SingleClientLab {
  const lab = new NetLab(opts.tag);
  const net = { lab, S: '', C: '', sIf: '', cIf: '' } as SingleClientLab;
  before(async () => {
    await lab.init();
    net.S = await lab.addNs('s');
    net.C = await lab.addNs('c');
    net.sIf = lab.ifname('s');
    net.cIf = lab.ifname('c');
    await opts.prepare?.(net);
    await lab.veth({ ns: net.S, name: net.sIf, addr: opts.serverAddr }, { ns: net.C, name: net.cIf, mac: opts.clientMac });
    net.capture = await lab.capture(net.S, net.sIf);
    net.hydra = await startHydra(lab, net.S, { ...opts.hydra, iface: net.sIf });
  });
  after(async () => {
    await lab.cleanup();
  });
  return net;
}

/** A client process and the hook events it records. */
export interface StartedClient {
  proc: Proc;
  events: ClientEvents;
}

export interface BindAsOptions {
  /** The MAC the client interface takes before the client starts. */
  mac: string;
  /** The diagnose step's name. */
  step: string;
  start: () => Promise<StartedClient>;
  /** Event reasons that mean "bound" for this client kind. */
  reasons: string[];
  timeoutMs?: number;
  /** Assertions on the bound event, run inside the step so failures carry the witnesses. */
  check: (bound: ClientEvent) => void | Promise<void>;
  /** Before the process is stopped, e.g. to make a daemon drop its lease. */
  beforeStop?: () => Promise<void>;
}

/** A new client identity (MAC) on C binds, its event is checked, and it is stopped again. */
export async function bindAs(net: SingleClientLab, o: BindAsOptions): Promise<void> {
  await net.lab.setMac(net.C, net.cIf, o.mac);
  const { proc, events } = await o.start();
  await step(o.step, { procs: [net.hydra, proc], captures: [net.capture], events: [events] }, async () => {
    await o.check(await events.waitReason(o.reasons, 0, o.timeoutMs));
  });
  await o.beforeStop?.();
  await proc.stop();
}

/** The shutdown check every lab ends with: hydra exits 0 on `signal`, not killed. */
export async function assertCleanStop(hydra: Proc, signal: NodeJS.Signals): Promise<void> {
  await hydra.stop(signal, 10_000);
  assert.equal(hydra.exitSignal, null, `hydra was killed:\n${hydra.tail()}`);
  assert.equal(hydra.exitCode, 0, `hydra exit code:\n${hydra.tail()}`);
}
