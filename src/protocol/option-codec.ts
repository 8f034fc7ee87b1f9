/**
 * What every option value type provides to the generic codec in option-values.ts.
 * `where` names the option in error messages ("routers", "option 252").
 * decode throws DecodeError; encode and fromJson throw OptionValueError.
 */
export interface TypeCodec<T> {
  decode(bytes: Uint8Array, where: string): T;
  encode(value: T, where: string): Uint8Array;
  fromJson(json: unknown, where: string): T;
  toJson(value: T): unknown;
}
