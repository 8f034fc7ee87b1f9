import { formatIpv4, type Ipv4 } from '../../protocol/ipv4.js';
import type { Lease } from '../../engine/types.js';
import type { ParseResult, Problem } from './parse-result.js';

/**
 * One record per address, the later one winning, as every lease file we read is a log
 * (Kea's memfile and dhcpd.leases are appended to; our own exports hold one record per address).
 * A later record that takes an address from another client whose lease had not yet expired
 * when the new one began is a conflict: the later record is kept and the conflict reported.
 */
export class AddressLedger {
  private readonly records = new Map<Ipv4, { lease: Lease; line: number }>();

  constructor(private readonly problems: Problem[]) {}

  put(lease: Lease, line: number): void {
    const before = this.records.get(lease.address);
    if (before && conflicts(before.lease, lease)) {
      this.problems.push({
        line,
        message: `${formatIpv4(lease.address)} is bound to two clients: ${before.lease.clientKey} (line ${before.line}, ` +
          `until ${new Date(before.lease.expiresAt * 1000).toISOString()}) and ${lease.clientKey}; the later record is kept`,
      });
    }
    this.records.delete(lease.address);
    this.records.set(lease.address, { lease, line });
  }

  /** The address is free again (Kea's zero-lifetime row, dhcpd's client-less free lease). */
  remove(address: Ipv4): void {
    this.records.delete(address);
  }

  result(): ParseResult {
    const leases: Lease[] = [];
    const lines: number[] = [];
    for (const { lease, line } of this.records.values()) {
      leases.push(lease);
      lines.push(line);
    }
    // Stable sort: problems found late (conflicts) still read in file order.
    return { leases, lines, problems: [...this.problems].sort((a, b) => a.line - b.line) };
  }
}

function conflicts(earlier: Lease, later: Lease): boolean {
  return earlier.state === 'bound' && later.state === 'bound' && earlier.clientKey !== later.clientKey &&
    earlier.expiresAt > later.issuedAt;
}
