/**
 * address → location, spread over 16 tables by blocks of 256 addresses (bits 8-11). Why: a table
 * doubles by moving every entry at once, 23 ms of event loop at a million leases; the tables fill
 * in turn (pools hand out addresses in runs) and so grow at different moments, each moving a
 * sixteenth.
 */
export class AddressIndex {
  private readonly tables = Array.from({ length: 16 }, () => new AddressTable());

  get size(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }

  /** The location stored for `address`, or -1. */
  get(address: number): number {
    return this.tables[(address >>> 8) & 15]!.get(address);
  }

  /** Stores `location`; returns the one it replaces, or -1. */
  set(address: number, location: number): number {
    return this.tables[(address >>> 8) & 15]!.set(address, location);
  }

  /** Removes `address`; returns its location, or -1 when it had none. */
  delete(address: number): number {
    return this.tables[(address >>> 8) & 15]!.delete(address);
  }

  /** Every address present now, in ascending order. */
  addresses(): Uint32Array {
    const out = new Uint32Array(this.size);
    let n = 0;
    for (const t of this.tables) {
      const part = t.addresses();
      out.set(part, n);
      n += part.length;
    }
    return out.sort();
  }
}

/**
 * address → location (an unsigned number below 2^32 - 1), in an open-addressing table of typed
 * arrays: linear probing, Fibonacci hashing (addresses come in runs), deletion by backward shift.
 * A Map<number, number> of a million entries takes several times longer to build on a reload,
 * and the garbage collector walks its backing store; these arrays hold no pointers.
 */
class AddressTable {
  private keys = new Int32Array(0);
  /** location + 1; 0 marks an empty slot. */
  private values = new Uint32Array(0);
  private shift = 32;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The location stored for `address`, or -1. */
  get(address: number): number {
    const i = this.find(address | 0);
    return i < 0 ? -1 : this.values[i]! - 1;
  }

  /** Stores `location`; returns the one it replaces, or -1. */
  set(address: number, location: number): number {
    if ((this.count + 1) * 2 > this.values.length) this.resize(Math.max(1024, this.values.length * 2));
    const key = address | 0;
    const mask = this.values.length - 1;
    let i = this.home(key);
    for (; this.values[i] !== 0; i = (i + 1) & mask) {
      if (this.keys[i] === key) {
        const previous = this.values[i]! - 1;
        this.values[i] = location + 1;
        return previous;
      }
    }
    this.keys[i] = key;
    this.values[i] = location + 1;
    this.count++;
    return -1;
  }

  /** Removes `address`; returns its location, or -1 when it had none. */
  delete(address: number): number {
    let i = this.find(address | 0);
    if (i < 0) return -1;
    const previous = this.values[i]! - 1;
    this.count--;
    const mask = this.values.length - 1;
    // Shift later entries of the run back into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; this.values[j] !== 0; j = (j + 1) & mask) {
      if (((j - this.home(this.keys[j]!)) & mask) >= ((j - i) & mask)) {
        this.keys[i] = this.keys[j]!;
        this.values[i] = this.values[j]!;
        i = j;
      }
    }
    this.values[i] = 0;
    return previous;
  }

  /** Every address present now, in ascending order. */
  addresses(): Uint32Array {
    const out = new Uint32Array(this.count);
    let n = 0;
    for (let i = 0; i < this.values.length; i++) if (this.values[i] !== 0) out[n++] = this.keys[i]!;
    return out.sort();
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private find(key: number): number {
    if (this.count === 0) return -1;
    const mask = this.values.length - 1;
    for (let i = this.home(key); this.values[i] !== 0; i = (i + 1) & mask) if (this.keys[i] === key) return i;
    return -1;
  }

  private resize(slots: number): void {
    const { keys, values } = this;
    this.keys = new Int32Array(slots);
    this.values = new Uint32Array(slots);
    this.shift = 32 - Math.log2(slots);
    const mask = slots - 1;
    for (let j = 0; j < values.length; j++) {
      if (values[j] === 0) continue;
      let i = this.home(keys[j]!);
      while (this.values[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = keys[j]!;
      this.values[i] = values[j]!;
    }
  }
}
