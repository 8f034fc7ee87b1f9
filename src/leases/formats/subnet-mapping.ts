import type { SubnetConfig } from '../../config/model.js';
import { formatIpv4, inNetwork } from '../../protocol/ipv4.js';
import type { ParseResult } from './parse-result.js';

/**
 * Gives each imported lease the id of the configured subnet that holds its address (the most
 * specific one when subnets nest). Ids written in the file are not trusted: they belong to the
 * server that wrote it. A lease outside every configured subnet is reported and left out.
 */
export function assignSubnets(parsed: ParseResult, subnets: readonly SubnetConfig[]): ParseResult {
  const out: ParseResult = { leases: [], lines: [], problems: [...parsed.problems] };
  const bySpecificity = [...subnets].sort((a, b) => b.prefixLength - a.prefixLength);
  parsed.leases.forEach((lease, i) => {
    const line = parsed.lines[i] ?? 1;
    const subnet = bySpecificity.find((s) => inNetwork(lease.address, s.network, s.prefixLength));
    if (!subnet) {
      out.problems.push({ line, message: `${formatIpv4(lease.address)} is in no configured subnet; the lease is skipped` });
      return;
    }
    out.leases.push(subnet.id === lease.subnetId ? lease : { ...lease, subnetId: subnet.id });
    out.lines.push(line);
  });
  out.problems.sort((a, b) => a.line - b.line);
  return out;
}
