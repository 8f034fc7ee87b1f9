import type { Ipv4 } from '../protocol/ipv4.js';
import type { Place } from './config-error.js';
import type { Reservation } from './model.js';

// What a loader hands to the shared checks: the subnet as written, every value still tied to
// the place it was written at, so a check can name file:line:field for whichever value is wrong.

export interface Located<T> {
  value: T;
  at: Place;
}

export interface RangeDraft {
  start: Ipv4;
  end: Ipv4;
  at: Place;
}

export interface ReservationDraft {
  reservation: Reservation;
  at: Place;
  addressAt: Place;
  /** Place of the hw-address / client-id value. */
  identifierAt: Place;
}

export interface LeaseTimesDraft {
  default: Located<number>;
  min: Located<number>;
  max: Located<number>;
  renewal?: Located<number>;
  rebinding?: Located<number>;
}

export interface SubnetDraft {
  at: Place;
  id: Located<number>;
  name: string;
  network: Ipv4;
  prefixLength: number;
  networkAt: Place;
  ranges: RangeDraft[];
  /** Excluded addresses, as written: single addresses are one-address ranges. */
  exclusions: RangeDraft[];
  reservations: ReservationDraft[];
  /** Encoded option values by code, in configured order (global ones first, then the subnet's). */
  options: Map<number, Located<Uint8Array>>;
  leaseTimes: LeaseTimesDraft;
}
