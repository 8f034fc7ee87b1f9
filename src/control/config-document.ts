import { ConfigError } from '../config/config-error.js';
import type { Reservation, ServerConfig, SubnetConfig } from '../config/model.js';
import { parseConfigText } from '../config/yaml-config.js';
import { optionToJson } from '../protocol/option-values.js';
import { formatIpv4 } from '../protocol/ipv4.js';
import { colonHex } from '../leases/formats/hex-text.js';
import type { ConfigCheck } from './server-control.js';

// The configuration as a JSON document in the YAML file's own shape: what config-get answers,
// config-set/config-test accept and config-write writes. Checking a document goes through the
// one loader the server starts with, so the API refuses exactly what a restart would refuse.

/** Validates `document` with the YAML/JSON loader; `label` names it in messages. */
export function configFromDocument(document: unknown, label: string): { ok: true; config: ServerConfig } | { ok: false; message: string } {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, message: `${label}: expected the configuration as a JSON object (the YAML file's keys: subnets, lease-time, ...)` };
  }
  if ('Dhcp4' in document) {
    return { ok: false, message: `${label}: a Kea Dhcp4 configuration is not Hydra's: send {"Hydra": {...}} with the YAML configuration as JSON` };
  }
  try {
    // Pretty-printed, so the loader's line numbers point into something a person can read.
    return { ok: true, config: parseConfigText(JSON.stringify(document, null, 2), label) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, message: e.message };
    throw e;
  }
}

export function checkOf(r: { ok: true } | { ok: false; message: string }): ConfigCheck {
  return r.ok ? { ok: true } : { ok: false, message: r.message };
}

/** Renders a loaded configuration (e.g. from a seed pool directory) as a document the loader accepts. */
export function documentFromConfig(config: ServerConfig): Record<string, unknown> {
  return {
    authoritative: config.authoritative,
    'offer-hold': config.offerHoldSeconds,
    'decline-probation': config.declineProbationSeconds,
    'lease-cache-percent': config.leaseCachePercent,
    subnets: config.subnets.map(subnetDocument),
  };
}

function subnetDocument(s: SubnetConfig): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [code, bytes] of s.options) options[String(code)] = optionToJson(code, bytes);
  const t = s.leaseTimes;
  return {
    id: s.id,
    name: s.name,
    subnet: `${formatIpv4(s.network)}/${s.prefixLength}`,
    pools: s.ranges.map((r) => `${formatIpv4(r.start)}-${formatIpv4(r.end)}`),
    ...(s.exclusions.length > 0 ? { exclude: s.exclusions.map(formatIpv4) } : {}),
    'lease-time': { default: t.default, min: t.min, max: t.max },
    ...(t.renewal !== undefined ? { 'renewal-time': t.renewal } : {}),
    ...(t.rebinding !== undefined ? { 'rebinding-time': t.rebinding } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(s.reservations.length > 0 ? { reservations: s.reservations.map(reservationDocument) } : {}),
  };
}

export function reservationDocument(r: Reservation): Record<string, unknown> {
  return {
    ...(r.hwAddress ? { 'hw-address': colonHex(r.hwAddress) } : {}),
    ...(r.clientId ? { 'client-id': colonHex(r.clientId) } : {}),
    'ip-address': formatIpv4(r.address),
    ...(r.hostname ? { hostname: r.hostname } : {}),
  };
}
