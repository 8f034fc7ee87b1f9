// What the simulated clients were promised, and the checks against it. A client "holds" an
// address from the ACK it received until it sends a RELEASE or asks for another address: only
// then may the server (or a crash) take the address away. Holds survive a server crash: that
// is the whole promise.
import { formatIpv4, type Ipv4 } from '../../src/protocol/ipv4.js';
import { clientKeyForMac, macText } from '../support/relay-client.js';

/** Rounding slack on the promised expiry: the server tells whole seconds. */
export const EXPIRY_SLACK_SECONDS = 1;

export interface Hold {
  address: Ipv4;
  /** Epoch seconds the ACK that started this hold arrived. */
  since: number;
  round: number;
  /** The store must keep the lease until at least this (max over the ACKs of this hold). */
  promisedUntil: number;
}

export interface SimClient {
  index: number;
  mac: Uint8Array;
  key: string;
  /** Certain: ACKed and not given up since. */
  hold: Hold | null;
  /** The address last ACKed, held or not: what a rebooting client asks for again. */
  lastAddress: Ipv4 | null;
  busy: boolean;
}

/** The shape of a lease as the store returns it (src/engine/types.ts Lease), as far as we check it. */
export interface StoredLease {
  address: Ipv4;
  clientKey: string;
  state: string;
  expiresAt: number;
}

export class LeaseLedger {
  readonly clients: SimClient[] = [];
  /** Address → the client holding it for certain. */
  private readonly holders = new Map<Ipv4, SimClient>();
  /** Invariant breaks seen while serving, each one a complete sentence. */
  readonly violations: string[] = [];
  round = 0;
  /**
   * OFFERs of a held address, counted instead of reported when offers are not strict. With
   * several servers an OFFER can cross, by milliseconds, a re-grant another server is committing
   * for the holder; the offer binds nothing and the database refuses its REQUEST — an ACK of a held
   * address stays a violation.
   */
  contestedOffers = 0;

  constructor(
    population: number,
    macOf: (i: number) => Uint8Array,
    private readonly strictOffers = true,
  ) {
    for (let i = 0; i < population; i++) {
      const mac = macOf(i);
      this.clients.push({ index: i, mac, key: clientKeyForMac(mac), hold: null, lastAddress: null, busy: false });
    }
  }

  private name(c: SimClient): string {
    return `client ${macText(c.mac)}`;
  }

  /** Before sending a REQUEST for `address`: asking for another address gives up the current hold. */
  requesting(c: SimClient, address: Ipv4): void {
    if (c.hold && c.hold.address !== address) this.giveUp(c);
  }

  /** Before sending a RELEASE: the server may or may not have recorded it when it dies. */
  releasing(c: SimClient): void {
    this.giveUp(c);
  }

  private giveUp(c: SimClient): void {
    if (c.hold && this.holders.get(c.hold.address) === c) this.holders.delete(c.hold.address);
    c.hold = null;
  }

  /** An OFFER of `address` to `c`: nobody else may hold it. */
  offered(c: SimClient, address: Ipv4): void {
    const holder = this.holders.get(address);
    if (!this.strictOffers && holder && holder !== c) {
      this.contestedOffers++;
      return;
    }
    this.checkFree(c, address, 'OFFER');
  }

  /** An ACK of `address` for `seconds` to a REQUEST first sent at `sentAt`. */
  acked(c: SimClient, address: Ipv4, seconds: number, sentAt: number, receivedAt: number): void {
    this.checkFree(c, address, 'ACK');
    const promisedUntil = sentAt + seconds;
    if (c.hold && c.hold.address === address) {
      c.hold.promisedUntil = Math.max(c.hold.promisedUntil, promisedUntil);
    } else {
      this.giveUp(c);
      c.hold = { address, since: receivedAt, round: this.round, promisedUntil };
    }
    const other = this.holders.get(address);
    if (!other || other === c) this.holders.set(address, c);
    c.lastAddress = address;
  }

  /** A NAK: fine for an address we no longer hold, a lost lease for one we do. */
  naked(c: SimClient, address: Ipv4): void {
    if (c.hold?.address === address) {
      this.violations.push(
        `round ${this.round}: NAK to ${this.name(c)} for ${formatIpv4(address)}, which it holds since an ACK in round ${c.hold.round}`,
      );
    }
    if (c.lastAddress === address) c.lastAddress = null;
  }

  private checkFree(c: SimClient, address: Ipv4, what: string): void {
    const holder = this.holders.get(address);
    if (holder && holder !== c) {
      this.violations.push(
        `round ${this.round}: ${what} of ${formatIpv4(address)} to ${this.name(c)}, but ${this.name(holder)} holds it ` +
          `(ACKed in round ${holder.hold!.round}, promised until ${holder.hold!.promisedUntil.toFixed(1)}, never released)`,
      );
    }
  }

  /** Clients holding an address for certain. */
  holds(): SimClient[] {
    return this.clients.filter((c) => c.hold !== null);
  }

  /**
   * Invariants (a) and (b) against what the store loaded after a crash: every held lease is there,
   * bound, for the same client, not expiring before the promise; no address bound twice.
   */
  checkStore(leases: readonly StoredLease[], now: number): string[] {
    const problems: string[] = [];
    const byAddress = new Map<Ipv4, StoredLease[]>();
    for (const l of leases) {
      const list = byAddress.get(l.address) ?? [];
      list.push(l);
      byAddress.set(l.address, list);
    }
    for (const [address, list] of byAddress) {
      const bound = list.filter((l) => l.state === 'bound' && l.expiresAt > now);
      const owners = new Set(bound.map((l) => l.clientKey));
      if (owners.size > 1) {
        problems.push(`round ${this.round}: ${formatIpv4(address)} is bound in the store to ${owners.size} clients: ${[...owners].join(', ')}`);
      }
    }
    for (const c of this.holds()) {
      const h = c.hold!;
      const want = `${formatIpv4(h.address)} bound to ${c.key} until ≥ ${(h.promisedUntil - EXPIRY_SLACK_SECONDS).toFixed(1)} (ACKed in round ${h.round})`;
      const found = byAddress.get(h.address) ?? [];
      const mine = found.find((l) => l.clientKey === c.key && l.state === 'bound');
      if (!mine) {
        const seen = found.length === 0 ? 'no record' : found.map((l) => `${l.state} for ${l.clientKey} until ${l.expiresAt.toFixed(1)}`).join('; ');
        problems.push(`round ${this.round}: ${this.name(c)}: expected ${want}, found ${seen}`);
      } else if (mine.expiresAt < h.promisedUntil - EXPIRY_SLACK_SECONDS) {
        problems.push(`round ${this.round}: ${this.name(c)}: expected ${want}, found expiry ${mine.expiresAt.toFixed(1)}`);
      }
    }
    return problems;
  }
}
