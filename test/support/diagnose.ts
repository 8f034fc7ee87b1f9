// Failure messages for end-to-end tests: when a step fails, say what the client reported, what
// the server logged and what crossed the wire, so the failure can be read without re-running.
import type { ClientEvents } from './client-events.js';
import type { Capture, Proc } from './netns.js';

export interface Witnesses {
  procs?: Proc[];
  captures?: Capture[];
  events?: ClientEvents[];
}

/** Runs `step`; on failure rethrows with the witnesses' tails appended to the message. */
export async function step<T>(name: string, w: Witnesses, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const parts = [`step "${name}" failed: ${err instanceof Error ? err.message : String(err)}`];
    for (const e of w.events ?? []) parts.push(`--- client events: ${await e.summary()}`);
    for (const p of w.procs ?? []) {
      const state = p.running ? 'running' : `exited code=${p.exitCode} signal=${p.exitSignal}`;
      parts.push(`--- ${p.label} (${state}), last output:\n${p.tail(3000)}`);
    }
    for (const c of w.captures ?? []) parts.push(`--- capture ${c.file}:\n${(await c.text()).slice(-5000)}`);
    const wrapped = new Error(parts.join('\n'));
    if (err instanceof Error && err.stack) wrapped.stack = `${wrapped.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
    throw wrapped;
  }
}
