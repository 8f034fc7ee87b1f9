/** A configured (or API-supplied) option value that does not fit the option's type. */
export class OptionValueError extends Error {
  /** The option's name, or "option N" when the table has no entry. */
  readonly option: string;

  constructor(option: string, detail: string) {
    super(`${option}: ${detail}`);
    this.name = 'OptionValueError';
    this.option = option;
  }
}
