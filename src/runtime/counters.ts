/**
 * Packet counters under Kea's statistic names (pkt4-received, pkt4-discover-received, …), so
 * operators' dashboards and the later statistics API can rely on them.
 */
const typeNames: Record<number, string> = {
  1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak', 7: 'release', 8: 'inform',
};

// The names built once: counting a packet is then two map updates, no string building.
const receivedName = new Map<number, string>(Object.entries(typeNames).map(([t, n]) => [Number(t), `pkt4-${n}-received`]));
const sentName = new Map<number, string>(Object.entries(typeNames).map(([t, n]) => [Number(t), `pkt4-${n}-sent`]));

export class Counters {
  private readonly values = new Map<string, number>();

  add(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  received(messageType: number | null): void {
    this.add('pkt4-received');
    this.add((messageType !== null && receivedName.get(messageType)) || 'pkt4-unknown-received');
  }

  sent(messageType: number): void {
    this.add('pkt4-sent');
    this.add(sentName.get(messageType) ?? 'pkt4-unknown-sent');
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export function messageTypeName(t: number | null): string {
  return t === null ? 'BOOTP' : (typeNames[t] ?? `type-${t}`).toUpperCase();
}
