// Many files at once, at most `concurrency` of them (each holds at most one
// pool connection, for its current batch), each streamed from disk through
// importRows with batches in plain transactions; the result is the report.
import { createReadStream } from 'node:fs';
import { mapWithConcurrency } from '../concurrency.ts';
import type { Db } from '../db/pool.ts';
import type { FileTask } from './files.ts';
import { importRows, type BatchProgress } from './import-rows.ts';
import { writerFor } from './kinds/index.ts';
import { ErrorLog, type FileReport, type ImportReport } from './report.ts';
import { openRows } from './source.ts';
import { addCounts, emptyCounts, ImportFileError, type Counts, type OnConflict } from './types.ts';

export interface RunOptions {
  readonly onConflict: OnConflict;
  readonly historical: boolean;
  readonly batchSize: number;
  readonly concurrency: number;
  /** Errors kept in full per file (every failed line is listed regardless). */
  readonly maxErrors: number;
  /** Aborted: every file stops before its next batch (its committed batches stay). */
  readonly signal?: AbortSignal;
}

/** What a progress display hears about. */
export interface ProgressSink {
  fileStarted(task: FileTask): void;
  fileProgress(task: FileTask, counts: Counts, bytes: number): void;
  fileDone(task: FileTask, report: FileReport): void;
}

export async function runImport(db: Db, tasks: readonly FileTask[], options: RunOptions, progress: ProgressSink): Promise<ImportReport> {
  const started = new Date();
  let inFlight = 0;
  let maxFilesInFlight = 0;
  db.stats.resetMaxInFlight();
  const files = await mapWithConcurrency(tasks, options.concurrency, async (task) => {
    maxFilesInFlight = Math.max(maxFilesInFlight, ++inFlight);
    try {
      return await importTask(db, task, options, progress);
    } finally {
      inFlight--;
    }
  });
  const finished = new Date();
  return {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    options: { onConflict: options.onConflict, historical: options.historical, batchSize: options.batchSize, concurrency: options.concurrency, maxErrors: options.maxErrors },
    totals: files.reduce((sum, file) => addCounts(sum, file.rows), emptyCounts()),
    filesFailed: files.filter((file) => file.error !== null).length,
    maxFilesInFlight,
    maxStatementsInFlight: db.stats.maxInFlight,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    files,
  };
}

async function importTask(db: Db, task: FileTask, options: RunOptions, progress: ProgressSink): Promise<FileReport> {
  const start = performance.now();
  const log = new ErrorLog(options.maxErrors);
  progress.fileStarted(task);
  const report = (rows: Counts, bytes: number, error: string | null, ignoredColumns: readonly string[] = []): FileReport => ({
    file: task.path,
    kind: task.kind,
    format: task.format,
    bytes,
    rows,
    durationMs: Math.round(performance.now() - start),
    error,
    failedLines: log.failedLines,
    errors: log.errors,
    errorsOmitted: log.omitted,
    ignoredColumns,
  });
  if (task.problem !== null || task.kind === null || task.format === null) {
    const done = report(emptyCounts(), 0, task.problem ?? 'cannot be imported');
    progress.fileDone(task, done);
    return done;
  }
  const input = createReadStream(task.path, { highWaterMark: 256 * 1024 });
  try {
    const source = openRows(input, task.format, writerFor(task.kind).spec);
    const result = await importRows(
      source,
      writerFor(task.kind),
      { kind: task.kind, format: task.format, onConflict: options.onConflict, historical: options.historical, batchSize: options.batchSize },
      {
        transaction: (work) => db.transaction(work),
        shouldStop: () => options.signal?.aborted ?? false,
        onBatch: (batch: BatchProgress) => {
          log.add(batch.errors);
          progress.fileProgress(task, batch.checkpoint.counts, batch.bytes);
        },
      },
    );
    const error = result.stopped
      ? `interrupted after ${result.checkpoint.rows} rows; those are committed, the rest of the file was not read`
      : result.error === null
        ? null
        : describe(result.error, result.checkpoint.rows);
    const done = report(result.checkpoint.counts, result.bytes, error, source.ignoredColumns());
    progress.fileDone(task, done);
    return done;
  } finally {
    input.destroy();
  }
}

/** A file-level failure in one sentence; a database failure says where the file stopped. */
function describe(error: unknown, rowsDone: number): string {
  if (error instanceof ImportFileError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `the database refused a batch after ${rowsDone} rows were done: ${message}`;
}
