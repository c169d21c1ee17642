// CSV rows, streamed: csv-parse (RFC 4180 quoting, a BOM, CRLF or LF, blank
// lines skipped) behind the UTF-8 check, with line numbers from LineIndex.
// csv-parse, because it is a maintained stream.Transform that pauses with
// its consumer (so memory stays flat), skips a malformed record and goes on
// with the next, and tells where each record ends; hand-written CSV splitting
// is where quoting bugs live. The first record is the header: its names are
// matched to the kind's columns, trimmed and ignoring case.
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { breaksIn, LineIndex } from './line-index.ts';
import { ImportFileError, type ColumnSpec, type SourceItem } from './types.ts';

/** A record longer than this (an unclosed quote swallowing the file, usually) stops the file. */
export const MAX_RECORD_BYTES = 1024 * 1024;

type Parsed = { record: string[]; info: { bytes: number } } | { skipped: CsvError };

export async function* readCsv(
  input: Readable,
  spec: ColumnSpec,
  onHeader: (ignored: readonly string[]) => void,
): AsyncGenerator<SourceItem> {
  const lines = new LineIndex();
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    // A bad record's error goes into the stream in order with the records
    // around it (on_skip runs while the parser works, ahead of its reader).
    on_skip: (error) => void (error && parser.push({ skipped: error } satisfies Parsed)),
  });
  input.on('error', (error) => parser.destroy(error));
  lines.on('error', (error) => parser.destroy(error));
  input.pipe(lines).pipe(parser);

  let columns: (string | null)[] | null = null;
  let lastEnd = 0;
  for await (const item of parser as AsyncIterable<Parsed>) {
    if ('skipped' in item) {
      const fatal = item.skipped.code === 'CSV_QUOTE_NOT_CLOSED' || item.skipped.code === 'CSV_MAX_RECORD_SIZE';
      // Where the record starts: after the last good one (an unclosed quote
      // runs on from there), or where the parser was when it found the fault.
      const at = typeof item.skipped.bytes === 'number' && !fatal ? Math.max(lastEnd, item.skipped.bytes) : lastEnd;
      const line = lines.lineOfContentAt(at);
      if (fatal || columns === null) {
        input.unpipe();
        input.destroy();
        throw new ImportFileError(`line ${line}: ${csvProblem(item.skipped)}; the rest of the file cannot be read`, line);
      }
      yield { line, error: { line, field: null, code: 'BAD_USER_INPUT', message: csvProblem(item.skipped) } };
      continue;
    }
    const { record, info } = item;
    const endLine = lines.lineEndingAt(info.bytes);
    let inside = 0;
    for (const value of record) inside += breaksIn(value);
    const line = endLine - inside;
    lastEnd = info.bytes;
    if (columns === null) {
      columns = matchHeader(record, spec, line, onHeader);
      continue;
    }
    if (record.length !== columns.length) {
      const message = `the row has ${record.length} field${record.length === 1 ? '' : 's'}, but the header has ${columns.length} columns`;
      yield { line, error: { line, field: null, code: 'BAD_USER_INPUT', message } };
      continue;
    }
    const values: Record<string, string> = {};
    columns.forEach((name, i) => {
      if (name !== null) values[name] = record[i]!;
    });
    yield { line, values };
  }
  if (columns === null) throw new ImportFileError(`the file is empty: a CSV file needs a header row (${spec.columns.join(',')})`, 1);
}

/** The kind's column name for each header field (null for ignored ones); refuses a header that lacks a required column. */
function matchHeader(header: string[], spec: ColumnSpec, line: number, onHeader: (ignored: readonly string[]) => void): (string | null)[] {
  const byLower = new Map(spec.columns.map((name) => [name.toLowerCase(), name]));
  const seen = new Set<string>();
  const ignored: string[] = [];
  const columns = header.map((raw) => {
    const name = byLower.get(raw.trim().toLowerCase()) ?? null;
    if (name === null) {
      ignored.push(raw);
      return null;
    }
    if (seen.has(name)) throw new ImportFileError(`line ${line}: the header names the column "${name}" twice`, line);
    seen.add(name);
    return name;
  });
  for (const required of spec.required) {
    const options = Array.isArray(required) ? required : [required];
    if (!options.some((name) => seen.has(name))) {
      const wanted = options.map((name) => `"${name}"`).join(' or ');
      throw new ImportFileError(
        `line ${line}: the header has no ${wanted} column (the columns are ${spec.columns.join(', ')}), but got ${JSON.stringify(header.join(','))}`,
        line,
      );
    }
  }
  onHeader(ignored);
  return columns;
}

/** csv-parse's error in words that say how to fix the row (its own message counts lines its own way). */
function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field; quote the whole field and double the quotes inside it ("say ""hi""")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted field is followed by other characters before the next comma; double the quotes inside a quoted field';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row is longer than ${MAX_RECORD_BYTES} bytes (an unclosed quote?)`;
    default:
      return `the row is not valid CSV (${error.code})`;
  }
}
