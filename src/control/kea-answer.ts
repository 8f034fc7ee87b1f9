// Kea's control-channel answer: {"result": N, "text": "...", "arguments": {...}}.

export const RESULT = {
  SUCCESS: 0,
  ERROR: 1,
  UNSUPPORTED: 2,
  EMPTY: 3,
} as const;

export interface KeaAnswer {
  result: number;
  text?: string;
  arguments?: unknown;
}

export function answer(result: number, text: string, args?: unknown): KeaAnswer {
  return args === undefined ? { result, text } : { result, text, arguments: args };
}

export const ok = (text: string, args?: unknown): KeaAnswer => answer(RESULT.SUCCESS, text, args);
export const error = (text: string): KeaAnswer => answer(RESULT.ERROR, text);
export const empty = (text: string, args?: unknown): KeaAnswer => answer(RESULT.EMPTY, text, args);

/** A caller's mistake in the arguments: answered with result 1 and this message. */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}
