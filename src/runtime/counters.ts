/**
 * Packet counters under Kea's statistic names (pkt4-received, pkt4-discover-received, …), so
 * operators' dashboards and the later statistics API can rely on them.
 */
const typeNames: Record<number, string> = {
  1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak', 7: 'release', 8: 'inform',
};

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
    this.add(`pkt4-${(messageType !== null && typeNames[messageType]) || 'unknown'}-received`);
  }

  sent(messageType: number): void {
    this.add('pkt4-sent');
    this.add(`pkt4-${typeNames[messageType] ?? 'unknown'}-sent`);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export function messageTypeName(t: number | null): string {
  return t === null ? 'BOOTP' : (typeNames[t] ?? `type-${t}`).toUpperCase();
}
