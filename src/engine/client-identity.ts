import { clientIdentifier, hardwareAddress } from '../protocol/accessors.js';
import type { DhcpMessage } from '../protocol/message.js';
import { hex } from './bytes.js';

/** Who a request comes from, as far as leases are concerned (RFC 2131 §4.2). */
export interface ClientIdentity {
  /** Stable index key: the client identifier (61) when sent, else (htype, chaddr). */
  key: string;
  clientId: Uint8Array | null;
  hwType: number;
  hwAddress: Uint8Array;
}

export function clientKeyOf(clientId: Uint8Array | null, hwType: number, hwAddress: Uint8Array): string {
  return clientId ? `id:${hex(clientId)}` : `hw:${hwType}:${hex(hwAddress)}`;
}

export function identifyClient(req: DhcpMessage): ClientIdentity {
  const clientId = clientIdentifier(req);
  // Copy: the request's buffers may be reused by the transport after handling.
  const hwAddress = new Uint8Array(hardwareAddress(req));
  const id = clientId ? new Uint8Array(clientId) : null;
  return { key: clientKeyOf(id, req.htype, hwAddress), clientId: id, hwType: req.htype, hwAddress };
}
