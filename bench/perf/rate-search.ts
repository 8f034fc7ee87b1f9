// Bisection for the highest offered rate a server sustains within the loss limit. The bounds are
// assumptions, not measurements: `low` is taken to pass and `high` to fail until a step shows
// otherwise, so a server that fails everywhere ends with no passing rate at all.

export interface SearchBounds {
  low: number;
  high: number;
  steps: number;
  /** Rates are rounded to this granularity (exchanges/s). */
  quantum: number;
}

export class RateSearch {
  private lo: number;
  private hi: number;
  private taken = 0;
  /** Highest measured rate that passed, if any. */
  bestPassing: number | undefined;

  constructor(private readonly b: SearchBounds) {
    if (!(b.low > 0 && b.high > b.low && b.steps > 0 && b.quantum > 0)) throw new Error(`bad search bounds ${JSON.stringify(b)}`);
    this.lo = b.low;
    this.hi = b.high;
  }

  /** The next rate to try, or undefined when the steps are used up or the interval is closed. */
  next(): number | undefined {
    if (this.taken >= this.b.steps) return undefined;
    const mid = Math.round((this.lo + this.hi) / 2 / this.b.quantum) * this.b.quantum;
    if (mid <= this.lo || mid >= this.hi) return undefined;
    return mid;
  }

  record(rate: number, passed: boolean): void {
    this.taken++;
    if (passed) {
      this.lo = rate;
      if (this.bestPassing === undefined || rate > this.bestPassing) this.bestPassing = rate;
    } else {
      this.hi = rate;
    }
  }
}
