// An import job: the stored file through the same importRows as the CLI,
// with each batch's checkpoint (rows done, counts, the batch's failed rows)
// written in the batch's own transaction and fenced by the lease (see
// checkpointQuery). So a job resumed after its worker died starts exactly
// after the last committed batch: every row is imported exactly once, and
// every failed row is recorded exactly once (job_errors' key is the line).
import { CompiledQuery } from 'kysely';
import type { SqlSession } from '../db/direct.ts';
import type { Db } from '../db/pool.ts';
import { importRows } from '../import/import-rows.ts';
import { writerFor } from '../import/kinds/index.ts';
import { openRows } from '../import/source.ts';
import { ImportFileError, IMPORT_KINDS, FILE_FORMATS, ON_CONFLICT, type Checkpoint, type Counts, type ImportOptions, type RowError } from '../import/types.ts';
import { readJobFile } from './job-files.ts';
import { checkpointQuery, isCancelRequested, setRowsTotal, type JobRow } from './job.repository.ts';
import type { JobContext, JobOutcome } from './job-context.ts';

/** What importFile stores for its job. */
export interface ImportJobParams {
  readonly kind: ImportOptions['kind'];
  readonly format: ImportOptions['format'];
  readonly onConflict: ImportOptions['onConflict'];
  readonly historical: boolean;
  readonly batchSize: number;
  readonly fileName: string;
  readonly bytes: number;
}

/** Rows per batch (and per checkpoint) of an import job. */
export const JOB_BATCH_ROWS = 1000;

/** Failed rows kept per job in job_errors (each with line, field and reason); beyond, only counted. */
export const MAX_STORED_ERRORS = 100_000;

/** Where a job stands, as its checkpoint column holds it. */
interface StoredCheckpoint extends Checkpoint {
  readonly batches: number;
}

/** The batch's checkpoint matched no row: this worker no longer holds the job. */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} was taken over by another worker (its lease lapsed)`);
    this.name = 'LeaseLostError';
  }
}

export function checkImportParams(params: Record<string, unknown>): ImportJobParams {
  const p = params as Partial<ImportJobParams>;
  if (!IMPORT_KINDS.includes(p.kind!) || !FILE_FORMATS.includes(p.format!) || !ON_CONFLICT.includes(p.onConflict!)) {
    throw new ImportFileError(`the job's parameters are not an import's: ${JSON.stringify(params)}`);
  }
  return { batchSize: JOB_BATCH_ROWS, historical: false, fileName: 'upload', bytes: 0, ...p } as ImportJobParams;
}

export async function runImportJob(ctx: JobContext, job: JobRow): Promise<JobOutcome> {
  const { db } = ctx;
  const params = checkImportParams(job.params);
  const writer = writerFor(params.kind);
  const options: ImportOptions = { kind: params.kind, format: params.format, onConflict: params.onConflict, historical: params.historical, batchSize: params.batchSize };
  const stored = job.checkpoint as StoredCheckpoint | null;
  let batches = stored?.batches ?? 0;
  let rowsTotal = job.rows_total;

  if (rowsTotal === null) {
    // A first pass that only parses, so progress can say "rows done of total".
    rowsTotal = await countRows(db, job.id, params);
    await setRowsTotal(db, job.id, ctx.owner, rowsTotal);
  }

  const input = readJobFile(db, job.id, 'INPUT');
  let cancelled = false;
  try {
    const source = openRows(input, params.format, writer.spec);
    const result = await importRows(source, writer, options, {
      transaction: (work) => db.transaction(work),
      async checkpoint(trx, next, errors, previous) {
        const { numAffectedRows } = await trx.executeQuery(
          checkpointQuery(job.id, ctx.owner, previous.rows, next.rows, { ...next, batches: batches + 1 } satisfies StoredCheckpoint, ctx.leaseMs),
        );
        if (Number(numAffectedRows ?? 0) !== 1) throw new LeaseLostError(job.id);
        const room = Math.max(0, MAX_STORED_ERRORS - previous.counts.failed);
        if (room > 0 && errors.length > 0) await trx.executeQuery(insertErrorsQuery(job.id, errors.slice(0, room)));
      },
      async shouldStop() {
        if (ctx.stopping()) return true;
        cancelled = await isCancelRequested(db, job.id);
        return cancelled;
      },
      onBatch(progress) {
        batches++;
        ctx.onProgress({ jobId: job.id, rowsDone: progress.checkpoint.rows, rowsTotal });
      },
    }, stored ?? undefined);

    const report = importReport(params, result.checkpoint.counts, result.checkpoint.rows, rowsTotal, batches, source.ignoredColumns());
    if (result.error instanceof LeaseLostError) return { kind: 'lost' };
    if (result.error instanceof ImportFileError) return { kind: 'finished', status: 'FAILED', report, error: `${params.fileName}: ${result.error.message}` };
    if (result.error) return { kind: 'retry', error: result.error };
    if (result.stopped && !cancelled) return { kind: 'released' };
    if (result.stopped) {
      const c = result.checkpoint.counts;
      const message =
        `cancelled after ${result.checkpoint.rows} of ${rowsTotal} rows: the ${batches} batch${batches === 1 ? '' : 'es'} committed before it stay ` +
        `(${c.inserted} inserted, ${c.updated} updated, ${c.skipped} skipped, ${c.failed} failed); the rest of the file was not imported`;
      return { kind: 'finished', status: 'CANCELLED', report, error: message };
    }
    return { kind: 'finished', status: 'SUCCEEDED', report, error: null };
  } finally {
    input.destroy();
  }
}

function importReport(params: ImportJobParams, counts: Counts, rowsDone: number, rowsTotal: number, batches: number, ignoredColumns: readonly string[]) {
  return {
    file: { name: params.fileName, kind: params.kind, format: params.format, bytes: params.bytes },
    rows: counts,
    rowsDone,
    rowsTotal,
    batches,
    errorsStored: Math.min(counts.failed, MAX_STORED_ERRORS),
    errorsOmitted: Math.max(0, counts.failed - MAX_STORED_ERRORS),
    ignoredColumns,
  };
}

/** Rows of the stored file (those before a fault of the file, if it has one). */
async function countRows(db: SqlSession, jobId: string, params: ImportJobParams): Promise<number> {
  const input = readJobFile(db, jobId, 'INPUT');
  let rows = 0;
  try {
    for await (const _item of openRows(input, params.format, writerFor(params.kind).spec).rows) rows++;
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
  } finally {
    input.destroy();
  }
  return rows;
}

function insertErrorsQuery(jobId: string, errors: readonly RowError[]): CompiledQuery {
  const params: unknown[] = [];
  const rows = errors.map((e) => (params.push(jobId, e.line, e.field, e.code, e.message), '(?, ?, ?, ?, ?)'));
  return CompiledQuery.raw(`INSERT INTO job_errors (job_id, line, field, code, message) VALUES ${rows.join(', ')}`, params);
}

