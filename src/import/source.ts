// The rows of one file, whatever its format: bytes -> UTF-8 check -> CSV or
// NDJSON reader -> { line, values } or { line, error }, one at a time, so a
// file of any size is read in constant memory.
import type { Readable } from 'node:stream';
import { readCsv } from './read-csv.ts';
import { readNdjson } from './read-ndjson.ts';
import type { ColumnSpec, FileFormat, SourceItem } from './types.ts';
import { Utf8Check } from './utf8-check.ts';

// In types.ts, which the readers share with this module without a cycle.
export type { ColumnSpec, SourceItem } from './types.ts';

export interface RowSource {
  readonly rows: AsyncIterable<SourceItem>;
  /** Bytes read from the file so far. */
  bytesRead(): number;
  /** CSV header fields that name no column of the kind (they are not read). */
  ignoredColumns(): readonly string[];
}

export function openRows(input: Readable, format: FileFormat, spec: ColumnSpec): RowSource {
  const checked = new Utf8Check();
  input.on('error', (error) => checked.destroy(error));
  input.pipe(checked);
  // Once the check failed nothing more of the file is wanted.
  checked.once('end', () => {
    if (checked.failure) {
      input.unpipe(checked);
      input.destroy();
    }
  });
  let ignored: readonly string[] = [];
  const rows = format === 'csv' ? readCsv(checked, spec, (names) => (ignored = names)) : readNdjson(checked);
  return { rows: failingAfter(rows, checked), bytesRead: () => checked.bytes, ignoredColumns: () => ignored };
}

/** The rows before a bad byte, then the UTF-8 failure (which also explains whatever the cut left unparsable). */
async function* failingAfter(rows: AsyncIterable<SourceItem>, checked: Utf8Check): AsyncGenerator<SourceItem> {
  try {
    yield* rows;
  } catch (error) {
    throw checked.failure ?? error;
  }
  if (checked.failure) throw checked.failure;
}
