/** One CSV record (RFC 4180): its fields, which of them were quoted, and the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
  quoted: boolean[];
}

/**
 * Splits RFC 4180 text into records. A quoted field may hold commas, doubled quotes and line
 * breaks; a record is reported at the line where it starts. Blank lines are skipped. A quote
 * left open at the end is returned as an error at the line where its record began.
 */
export function readCsvRecords(text: string): { records: CsvRecord[]; error: { line: number; message: string } | null } {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    const quoted: boolean[] = [];
    let atLineEnd = false;
    while (!atLineEnd) {
      let value = '';
      let q = false;
      if (text[i] === '"') {
        q = true;
        i++;
        for (;;) {
          if (i >= n) return { records, error: { line: start, message: 'a quoted field is not closed before the end of the file' } };
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
      }
      // Unquoted text (or anything stray after a closing quote) runs to the next comma or line end.
      let rest = '';
      while (i < n && text[i] !== ',' && text[i] !== '\n') rest += text[i++];
      if (rest.endsWith('\r')) rest = rest.slice(0, -1);
      if (q && rest !== '') return { records, error: { line: start, message: `text after a closing quote: '${rest}'` } };
      fields.push(q ? value : rest);
      quoted.push(q);
      if (i >= n) atLineEnd = true;
      else if (text[i] === '\n') {
        atLineEnd = true;
        line++;
        i++;
      } else i++; // the comma
    }
    if (fields.length === 1 && !quoted[0] && fields[0]!.trim() === '') continue;
    records.push({ line: start, fields, quoted });
  }
  return { records, error: null };
}

/** Quotes a field when it must be (RFC 4180): commas, quotes, line breaks, or when asked to. */
export function csvField(value: string, alwaysQuote = false): string {
  if (!alwaysQuote && !/[",\r\n]/.test(value)) return value;
  return `"${value.replaceAll('"', '""')}"`;
}
