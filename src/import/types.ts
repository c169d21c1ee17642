// The vocabulary of the bulk import, shared by the CLI (src/cli/import.ts) and
// the job queue (src/jobs/): what a file holds, what becomes of each row, and
// the checkpoint a batch commits with its rows.

export const IMPORT_KINDS = ['users', 'products', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const FILE_FORMATS = ['csv', 'ndjson'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** What a row whose unique key is already taken does: stays out, replaces the stored row, or fails. */
export const ON_CONFLICT = ['skip', 'update', 'fail'] as const;
export type OnConflict = (typeof ON_CONFLICT)[number];

/** How one file is read and written. */
export interface ImportOptions {
  readonly kind: ImportKind;
  readonly format: FileFormat;
  readonly onConflict: OnConflict;
  /** Orders of the past: stock untouched, status/createdAt/unitPrice read from the file, a given total checked. */
  readonly historical: boolean;
  /** Rows per transaction. */
  readonly batchSize: number;
}

/** Why one row did not land: its line (1-based, the header is line 1 of a CSV), the field at fault and the reason. */
export interface RowError {
  readonly line: number;
  /** The column or key, e.g. "email" or "items[2].quantity"; null when the row as a whole is at fault. */
  readonly field: string | null;
  /** BAD_USER_INPUT, CONFLICT, NOT_FOUND or INSUFFICIENT_STOCK, as the mutations answer. */
  readonly code: string;
  readonly message: string;
}

/** A row as read: CSV values are strings keyed by column name, NDJSON values whatever JSON gave. */
export type SourceItem = { line: number; values: Record<string, unknown> } | { line: number; error: RowError };

/** The columns a kind reads: all of them, and those a CSV header must have (an array: one of them). */
export interface ColumnSpec {
  readonly columns: readonly string[];
  readonly required: readonly (string | readonly string[])[];
}

/** What became of one row that reached the writer. */
export type RowOutcome = 'inserted' | 'updated' | 'skipped' | RowError;

export interface Counts {
  /** Rows seen (blank lines and the CSV header are not rows). */
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  failed: number;
}

export function emptyCounts(): Counts {
  return { read: 0, inserted: 0, updated: 0, skipped: 0, failed: 0 };
}

export function addCounts(into: Counts, more: Counts): Counts {
  into.read += more.read;
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.skipped += more.skipped;
  into.failed += more.failed;
  return into;
}

/**
 * Where a file's import stands after a committed batch: the first `rows` rows
 * of the file are done (landed, skipped or failed) and `counts` tells how.
 * Committed in the same transaction as the batch's rows (see ImportHooks), so
 * resuming from it reads each row exactly once.
 */
export interface Checkpoint {
  readonly rows: number;
  readonly counts: Counts;
}

/** A problem with the file as a whole (unreadable, no header, not UTF-8): the file stops, its committed batches stay. */
export class ImportFileError extends Error {
  constructor(
    message: string,
    /** The line the problem was found on, when it has one. */
    readonly line: number | null = null,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}
