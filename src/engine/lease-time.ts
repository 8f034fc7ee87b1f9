import type { LeaseTimes } from '../config/model.js';

/** RFC 2132 §9.2: 0xffffffff means infinite; T1/T2 are then infinite too. */
export const INFINITE = 0xffffffff;

export interface GrantedTimes {
  lease: number;
  renewal: number;
  rebinding: number;
}

/** Lease time: what the client asked for (option 51) within [min, max], else the default. */
export function grantLeaseTime(times: LeaseTimes, requested: number | null): number {
  if (requested === null) return times.default;
  return Math.min(times.max, Math.max(times.min, requested));
}

/**
 * T1/T2 (options 58/59). Configured values apply while they fit below the granted time; when a
 * client got a shorter lease than the configured T2, they are scaled by the same ratio they have
 * to the default lease time, so the client still renews at the proportion the operator chose.
 * Without configuration: 50 % and 87.5 % (RFC 2131 §4.4.5).
 */
export function leaseTimers(times: LeaseTimes, lease: number): GrantedTimes {
  if (lease === INFINITE) return { lease, renewal: INFINITE, rebinding: INFINITE };
  const frac = (configured: number | undefined, fallback: number): number =>
    configured !== undefined && times.default > 0 && configured < times.default ? configured / times.default : fallback;
  let t1 = times.renewal;
  let t2 = times.rebinding;
  if (t2 === undefined || t2 >= lease) t2 = Math.floor(lease * frac(times.rebinding, 0.875));
  if (t1 === undefined || t1 >= t2) t1 = Math.floor(lease * frac(times.renewal, 0.5));
  if (t1 >= t2) {
    // Misordered configuration (T1 >= T2): keep the RFC proportions.
    t1 = Math.floor(lease * 0.5);
    t2 = Math.floor(lease * 0.875);
  }
  return { lease, renewal: t1, rebinding: t2 };
}
