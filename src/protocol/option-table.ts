/**
 * The DHCPv4 option definitions: one table, read by the generic codec in option-values.ts.
 * Names follow ISC Kea's, so operators can move configurations between the two.
 */

/** Value types understood by the codec. Composite types (routes, relay-agent, …) are lists by nature. */
export type OptionType =
  | 'ipv4'
  | 'ipv4-pair' // two addresses: policy filter (address, mask) and static route (destination, router)
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'int32'
  | 'bool'
  | 'string'
  | 'binary'
  | 'domain-list' // RFC 1035 names, compressed (RFC 3397)
  | 'classless-routes' // RFC 3442
  | 'fqdn' // RFC 4702 client FQDN
  | 'relay-agent' // RFC 3046 sub-options
  | 'user-class' // RFC 3004 list of opaque instances
  | 'vivco' // RFC 3925 vendor-identifying vendor class
  | 'vivso'; // RFC 3925 vendor-identifying vendor-specific information

export interface OptionDef {
  readonly code: number;
  readonly name: string;
  readonly type: OptionType;
  /** A list of `type` values (at least one, unless `allowEmpty`). */
  readonly array?: true;
  /** The option may carry zero bytes (RFC 2132 §8.x: mobile-ip-home-agent has minimum length 0). */
  readonly allowEmpty?: true;
}

const ip = 'ipv4' as const;

export const OPTION_DEFS: readonly OptionDef[] = [
  { code: 1, name: 'subnet-mask', type: ip },
  { code: 2, name: 'time-offset', type: 'int32' },
  { code: 3, name: 'routers', type: ip, array: true },
  { code: 4, name: 'time-servers', type: ip, array: true },
  { code: 5, name: 'name-servers', type: ip, array: true },
  { code: 6, name: 'domain-name-servers', type: ip, array: true },
  { code: 7, name: 'log-servers', type: ip, array: true },
  { code: 8, name: 'cookie-servers', type: ip, array: true },
  { code: 9, name: 'lpr-servers', type: ip, array: true },
  { code: 10, name: 'impress-servers', type: ip, array: true },
  { code: 11, name: 'resource-location-servers', type: ip, array: true },
  { code: 12, name: 'host-name', type: 'string' },
  { code: 13, name: 'boot-size', type: 'uint16' },
  { code: 14, name: 'merit-dump', type: 'string' },
  { code: 15, name: 'domain-name', type: 'string' },
  { code: 16, name: 'swap-server', type: ip },
  { code: 17, name: 'root-path', type: 'string' },
  { code: 18, name: 'extensions-path', type: 'string' },
  { code: 19, name: 'ip-forwarding', type: 'bool' },
  { code: 20, name: 'non-local-source-routing', type: 'bool' },
  { code: 21, name: 'policy-filter', type: 'ipv4-pair', array: true },
  { code: 22, name: 'max-dgram-reassembly', type: 'uint16' },
  { code: 23, name: 'default-ip-ttl', type: 'uint8' },
  { code: 24, name: 'path-mtu-aging-timeout', type: 'uint32' },
  { code: 25, name: 'path-mtu-plateau-table', type: 'uint16', array: true },
  { code: 26, name: 'interface-mtu', type: 'uint16' },
  { code: 27, name: 'all-subnets-local', type: 'bool' },
  { code: 28, name: 'broadcast-address', type: ip },
  { code: 29, name: 'perform-mask-discovery', type: 'bool' },
  { code: 30, name: 'mask-supplier', type: 'bool' },
  { code: 31, name: 'router-discovery', type: 'bool' },
  { code: 32, name: 'router-solicitation-address', type: ip },
  { code: 33, name: 'static-routes', type: 'ipv4-pair', array: true },
  { code: 34, name: 'trailer-encapsulation', type: 'bool' },
  { code: 35, name: 'arp-cache-timeout', type: 'uint32' },
  { code: 36, name: 'ieee802-3-encapsulation', type: 'bool' },
  { code: 37, name: 'default-tcp-ttl', type: 'uint8' },
  { code: 38, name: 'tcp-keepalive-interval', type: 'uint32' },
  { code: 39, name: 'tcp-keepalive-garbage', type: 'bool' },
  { code: 40, name: 'nis-domain', type: 'string' },
  { code: 41, name: 'nis-servers', type: ip, array: true },
  { code: 42, name: 'ntp-servers', type: ip, array: true },
  { code: 43, name: 'vendor-encapsulated-options', type: 'binary' },
  { code: 44, name: 'netbios-name-servers', type: ip, array: true },
  { code: 45, name: 'netbios-dd-server', type: ip, array: true },
  { code: 46, name: 'netbios-node-type', type: 'uint8' },
  { code: 47, name: 'netbios-scope', type: 'string' },
  { code: 48, name: 'font-servers', type: ip, array: true },
  { code: 49, name: 'x-display-manager', type: ip, array: true },
  { code: 50, name: 'dhcp-requested-address', type: ip },
  { code: 51, name: 'dhcp-lease-time', type: 'uint32' },
  { code: 52, name: 'dhcp-option-overload', type: 'uint8' },
  { code: 53, name: 'dhcp-message-type', type: 'uint8' },
  { code: 54, name: 'dhcp-server-identifier', type: ip },
  { code: 55, name: 'dhcp-parameter-request-list', type: 'uint8', array: true },
  { code: 56, name: 'dhcp-message', type: 'string' },
  { code: 57, name: 'dhcp-max-message-size', type: 'uint16' },
  { code: 58, name: 'dhcp-renewal-time', type: 'uint32' },
  { code: 59, name: 'dhcp-rebinding-time', type: 'uint32' },
  { code: 60, name: 'vendor-class-identifier', type: 'string' },
  { code: 61, name: 'dhcp-client-identifier', type: 'binary' },
  { code: 62, name: 'nwip-domain-name', type: 'string' },
  { code: 63, name: 'nwip-suboptions', type: 'binary' },
  { code: 64, name: 'nisplus-domain-name', type: 'string' },
  { code: 65, name: 'nisplus-servers', type: ip, array: true },
  { code: 66, name: 'tftp-server-name', type: 'string' },
  { code: 67, name: 'boot-file-name', type: 'string' },
  { code: 68, name: 'mobile-ip-home-agent', type: ip, array: true, allowEmpty: true },
  { code: 69, name: 'smtp-server', type: ip, array: true },
  { code: 70, name: 'pop-server', type: ip, array: true },
  { code: 71, name: 'nntp-server', type: ip, array: true },
  { code: 72, name: 'www-server', type: ip, array: true },
  { code: 73, name: 'finger-server', type: ip, array: true },
  { code: 74, name: 'irc-server', type: ip, array: true },
  { code: 75, name: 'streettalk-server', type: ip, array: true },
  { code: 76, name: 'streettalk-directory-assistance-server', type: ip, array: true },
  { code: 77, name: 'user-class', type: 'user-class' },
  { code: 81, name: 'fqdn', type: 'fqdn' },
  { code: 82, name: 'dhcp-agent-options', type: 'relay-agent' },
  { code: 118, name: 'subnet-selection', type: ip },
  { code: 119, name: 'domain-search', type: 'domain-list' },
  { code: 121, name: 'classless-static-route', type: 'classless-routes' },
  { code: 124, name: 'vivco-suboptions', type: 'vivco' },
  { code: 125, name: 'vivso-suboptions', type: 'vivso' },
];

// Lookups by code are on the hot path (display, config): a dense array beats a Map here.
const byCode: (OptionDef | undefined)[] = new Array(256);
const byName = new Map<string, OptionDef>();
for (const d of OPTION_DEFS) {
  byCode[d.code] = d;
  byName.set(d.name, d);
}

export function optionByCode(code: number): OptionDef | undefined {
  return byCode[code];
}

export function optionByName(name: string): OptionDef | undefined {
  return byName.get(name);
}

/** "routers (3)" or "option 252": how messages refer to an option. */
export function optionLabel(code: number): string {
  const d = byCode[code];
  return d ? `option ${code} (${d.name})` : `option ${code}`;
}
