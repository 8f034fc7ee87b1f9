// Byte strings as the lease files write them: colon-separated hex ("01:02:0a").

export function colonHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i > 0 ? ':' : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

/**
 * Reads "01:02:0a" (one or two digits per byte, as dhcpd and Kea may write them) or plain
 * "01020a"; returns null when the text is neither. The empty string is zero bytes.
 */
export function parseHexBytes(text: string): Uint8Array | null {
  if (text === '') return new Uint8Array(0);
  if (text.includes(':')) {
    const parts = text.split(':');
    const out = new Uint8Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i]!)) return null;
      out[i] = parseInt(parts[i]!, 16);
    }
    return out;
  }
  if (!/^([0-9a-fA-F]{2})+$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
