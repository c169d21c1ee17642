// The report of an import run: what `--report FILE` writes (JSON) and the
// lines the CLI prints. Every failed row's line number is listed; the full
// error (field and reason) is kept for the first `maxErrors` of each file.
import type { Counts, FileFormat, ImportKind, OnConflict, RowError } from './types.ts';

export interface FileReport {
  readonly file: string;
  readonly kind: ImportKind | null;
  readonly format: FileFormat | null;
  readonly bytes: number;
  readonly rows: Counts;
  readonly durationMs: number;
  /** Why the file stopped early or was not read, or null when every row was read. */
  readonly error: string | null;
  /** The line of every failed row, ascending. */
  readonly failedLines: number[];
  /** The first errors, with field and reason. */
  readonly errors: RowError[];
  /** Failed rows beyond `errors`. */
  readonly errorsOmitted: number;
  /** CSV header fields that name no column and were not read. */
  readonly ignoredColumns: readonly string[];
}

export interface ImportReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly options: { onConflict: OnConflict; historical: boolean; batchSize: number; concurrency: number; maxErrors: number };
  readonly totals: Counts;
  /** Files with an error of their own (not read, or stopped early). */
  readonly filesFailed: number;
  /** The most files read at once, and SQL statements in flight at once: both at most `concurrency`. */
  readonly maxFilesInFlight: number;
  readonly maxStatementsInFlight: number;
  /** Peak resident memory of the process (process.resourceUsage().maxRSS). */
  readonly peakRssBytes: number;
  readonly files: FileReport[];
}

/** Collects one file's failed rows: every line, the first `maxErrors` in full. */
export class ErrorLog {
  readonly failedLines: number[] = [];
  readonly errors: RowError[] = [];
  omitted = 0;
  constructor(private readonly maxErrors: number) {}

  add(errors: readonly RowError[]): void {
    for (const error of errors) {
      this.failedLines.push(error.line);
      if (this.errors.length < this.maxErrors) this.errors.push(error);
      else this.omitted++;
    }
  }
}

export function exitCode(report: ImportReport): number {
  return report.totals.failed > 0 || report.filesFailed > 0 ? 1 : 0;
}

const n = (value: number) => value.toLocaleString('en-US');

/** The one summary line: what the run changed, or that it changed nothing. */
export function summaryLine(report: ImportReport): string {
  const t = report.totals;
  const files = `${report.files.length} file${report.files.length === 1 ? '' : 's'}`;
  const seconds = `${(report.durationMs / 1000).toFixed(1)} s`;
  const failedFiles = report.filesFailed > 0 ? `, ${report.filesFailed} file${report.filesFailed === 1 ? '' : 's'} not read to the end` : '';
  if (t.inserted === 0 && t.updated === 0) {
    const why = t.read === 0 ? 'no rows read' : t.failed === 0 ? `all ${n(t.read)} rows already present (skipped)` : `${n(t.skipped)} skipped, ${n(t.failed)} failed`;
    return `import: nothing changed in ${files}: ${why}${failedFiles} (${seconds})`;
  }
  return `import: ${files}, ${n(t.read)} rows read: ${n(t.inserted)} inserted, ${n(t.updated)} updated, ${n(t.skipped)} skipped, ${n(t.failed)} failed${failedFiles} (${seconds})`;
}

/** One line per file, then its first errors as `file:line field: reason`. */
export function fileLines(file: FileReport, maxShown = 10): string[] {
  const r = file.rows;
  const head = `${file.file}: ${file.kind ?? '?'}, ${n(r.read)} read, ${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.skipped)} skipped, ${n(r.failed)} failed`;
  const lines = [file.error ? `${head}; stopped: ${file.error}` : head];
  for (const error of file.errors.slice(0, maxShown)) lines.push(`  ${errorLine(file.file, error)}`);
  const more = file.failedLines.length - Math.min(maxShown, file.errors.length);
  if (more > 0) lines.push(`  ... and ${n(more)} more failed row${more === 1 ? '' : 's'} (see the report)`);
  return lines;
}

export function errorLine(file: string, error: RowError): string {
  return `${file}:${error.line}${error.field ? ` ${error.field}` : ''}: ${error.message} [${error.code}]`;
}
