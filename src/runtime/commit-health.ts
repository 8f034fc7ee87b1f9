import { StoreError } from '../leases/lease-store.js';
import type { Logger } from './logger.js';

/** At most one "still failing" line per this many seconds, so a full disk does not flood the log. */
const REPEAT_SECONDS = 10;

/**
 * Tells the operator when the store stops accepting writes (ACKs stop: no lie) and when it
 * accepts them again, without a line per refused packet.
 */
export class CommitHealth {
  private failing = false;
  private refused = 0;
  private lastLog = 0;

  constructor(private readonly log: Logger) {}

  failed(e: unknown): void {
    this.refused++;
    const now = Date.now() / 1000;
    if (this.failing && now - this.lastLog < REPEAT_SECONDS) return;
    const reason = e instanceof StoreError ? e.message : String(e);
    this.log.log('error', this.failing ? 'lease store still failing; ACKs withheld' : 'lease store failed; ACKs withheld until it recovers', { reason, refused: this.refused });
    this.failing = true;
    this.lastLog = now;
  }

  /** Called periodically with the number of addresses not yet durable; 0 after a failure means recovered. */
  check(behind: number): void {
    if (this.failing && behind === 0) {
      this.log.log('warn', 'lease store writable again; serving normally', { refusedWhileFailing: this.refused });
      this.failing = false;
      this.refused = 0;
    }
  }
}

export function reportDropped(log: Logger, dropped: readonly { place: string; reason: string }[]): void {
  const SHOWN = 20;
  for (const d of dropped.slice(0, SHOWN)) log.log('warn', 'lease store: damaged record dropped', { place: d.place, reason: d.reason });
  if (dropped.length > SHOWN) log.log('warn', 'lease store: more damaged records dropped', { more: dropped.length - SHOWN });
}
