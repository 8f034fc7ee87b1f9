/**
 * The one error type the wire decoder throws. A malformed packet is a value the caller counts and
 * drops, so the message must say where the packet went wrong, never carry a stack-trace-only story.
 */
export class DecodeError extends Error {
  /** The packet field that failed, e.g. "option 55", "hlen", "magic cookie". */
  readonly field: string;
  /** Byte offset in the packet (or in the option value) where the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(field: string, detail: string, offset?: number) {
    super(offset === undefined ? `${field}: ${detail}` : `${field} at offset ${offset}: ${detail}`);
    this.name = 'DecodeError';
    this.field = field;
    this.offset = offset;
  }
}
