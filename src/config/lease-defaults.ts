import type { Place } from './config-error.js';
import type { LeaseTimesDraft, Located } from './subnet-draft.js';

// Defaults shared by both loaders, in one place so the README, the YAML and the pool directory agree.

export const DEFAULTS = {
  /** Lease time when nothing is configured, seconds. */
  leaseSeconds: 3600,
  /** Shortest lease a client may ask for, unless the default itself is shorter. */
  minLeaseSeconds: 60,
  offerHoldSeconds: 30,
  /** Kea's default for declined addresses. */
  declineProbationSeconds: 86400,
  /** Renewals within the first quarter of a lease reuse it without a disk write (Kea's 0.25). */
  leaseCachePercent: 25,
} as const;

export interface LeaseTimesPartial {
  default?: Located<number>;
  min?: Located<number>;
  max?: Located<number>;
}

/**
 * Fills the unset lease times: default 3600 s; min = the smaller of 60 s and the default (a
 * client may ask for a shorter lease); max = the default (a client cannot ask for longer than
 * the operator chose, unless a max says so).
 */
export function resolveLeaseTimes(
  given: LeaseTimesPartial,
  renewal: Located<number> | undefined,
  rebinding: Located<number> | undefined,
  defaultAt: Place,
): LeaseTimesDraft {
  const def = given.default ?? { value: DEFAULTS.leaseSeconds, at: defaultAt };
  return {
    default: def,
    min: given.min ?? { value: Math.min(DEFAULTS.minLeaseSeconds, def.value), at: def.at },
    max: given.max ?? def,
    ...(renewal ? { renewal } : {}),
    ...(rebinding ? { rebinding } : {}),
  };
}
