// The core of the import: the rows of one file, in batches, each batch
// checked row by row with the mutation's rules and written in one transaction
// that the caller opens (ImportHooks.transaction), with the caller's
// checkpoint written in that same transaction before it commits. So the CLI
// can run batches on a plain pool and the job queue can commit a job's
// progress atomically with the rows it imported, and resume exactly there.
import type { SqlSession } from '../db/direct.ts';
import { driverErrorCode } from '../db/driver-errors.ts';
import { isRetryableTransactionError } from '../db/transaction.ts';
import { toRowError } from './fields.ts';
import type { KindWriter } from './kinds/kind.ts';
import type { RowSource, SourceItem } from './source.ts';
import { addCounts, emptyCounts, ImportFileError, type Checkpoint, type Counts, type ImportOptions, type RowError, type RowOutcome } from './types.ts';
import type { Keyed } from './upsert-plan.ts';

export interface ImportHooks {
  /** Runs `work` in one transaction: BEGIN, the batch's statements, COMMIT (ROLLBACK when it throws). */
  transaction<T>(work: (trx: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Called inside the batch's transaction once its rows are written, with
   * where the file will stand when it commits and the batch's failed rows.
   * Throwing rolls the batch back and stops the file.
   */
  checkpoint?(trx: SqlSession, next: Checkpoint, errors: readonly RowError[], previous: Checkpoint): Promise<void>;
  /** Asked before each batch: true stops the file there; the batches committed so far stay. */
  shouldStop?(): boolean | Promise<boolean>;
  /** After each committed batch. */
  onBatch?(progress: BatchProgress): void;
}

export interface BatchProgress {
  readonly checkpoint: Checkpoint;
  /** Bytes of the file read so far. */
  readonly bytes: number;
  /** The failed rows of this batch. */
  readonly errors: readonly RowError[];
}

export interface RowsResult {
  /** The last committed checkpoint: rows done and how they went. */
  readonly checkpoint: Checkpoint;
  readonly bytes: number;
  readonly batches: number;
  /** True when shouldStop ended the file. */
  readonly stopped: boolean;
  /** What ended the file early (an ImportFileError, a database failure), or null. */
  readonly error: unknown;
}

/** Tries of one batch that lost a deadlock or found a key taken meanwhile. */
const BATCH_ATTEMPTS = 5;
/**
 * Failures of a statement before COMMIT after which the batch was certainly
 * rolled back and may run again: a lost lock, a unique key or a referenced
 * row taken or removed by another writer between the batch's reads and its
 * writes (the next try reads again and sees it).
 */
function retryable(error: unknown): boolean {
  const code = driverErrorCode(error);
  return isRetryableTransactionError(error) || code === 'ER_DUP_ENTRY' || code === 'ER_NO_REFERENCED_ROW_2';
}

export async function importRows<V>(
  source: RowSource,
  writer: KindWriter<V>,
  options: ImportOptions,
  hooks: ImportHooks,
  resumeFrom?: Checkpoint,
): Promise<RowsResult> {
  let checkpoint: Checkpoint = resumeFrom ?? { rows: 0, counts: emptyCounts() };
  let batches = 0;
  let seen = 0;
  let batch: SourceItem[] = [];
  const result = (stopped: boolean, error: unknown): RowsResult => ({ checkpoint, bytes: source.bytesRead(), batches, stopped, error });

  const flush = async (): Promise<boolean> => {
    if (await hooks.shouldStop?.()) return false;
    const previous = checkpoint;
    const { next, errors } = await writeBatch(batch, writer, options, hooks, previous);
    checkpoint = next;
    batches++;
    batch = [];
    hooks.onBatch?.({ checkpoint, bytes: source.bytesRead(), errors });
    return true;
  };

  // A fault of the file itself (not UTF-8, an unclosed quote) ends the
  // rows; those read before it are still written, then the fault is reported.
  let fileFault: unknown = null;
  const rows = source.rows[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<SourceItem>;
      try {
        next = await rows.next();
      } catch (error) {
        if (!(error instanceof ImportFileError)) throw error;
        fileFault = error;
        break;
      }
      if (next.done) break;
      // Resuming: rows up to the checkpoint were committed (or failed) before.
      if (++seen <= checkpoint.rows) continue;
      batch.push(next.value);
      if (batch.length >= options.batchSize && !(await flush())) {
        await rows.return?.();
        return result(true, null);
      }
    }
    if (batch.length > 0 && !(await flush())) return result(true, null);
    return result(false, fileFault);
  } catch (error) {
    // Stops the reader (and its file stream) where it is.
    await rows.return?.().catch(() => undefined);
    return result(false, error);
  }
}

async function writeBatch<V>(
  items: readonly SourceItem[],
  writer: KindWriter<V>,
  options: ImportOptions,
  hooks: ImportHooks,
  previous: Checkpoint,
): Promise<{ next: Checkpoint; errors: RowError[] }> {
  // Checked before the transaction: a row the rules refuse costs no SQL.
  const outcomes = new Array<RowOutcome>(items.length);
  const good: Keyed<V>[] = [];
  const goodAt: number[] = [];
  items.forEach((item, i) => {
    if ('error' in item) return void (outcomes[i] = item.error);
    try {
      good.push({ line: item.line, value: writer.prepare(item.values, options) });
      goodAt.push(i);
    } catch (error) {
      outcomes[i] = toRowError(error, item.line);
    }
  });

  for (let attempt = 1; ; attempt++) {
    try {
      return await hooks.transaction(async (trx) => {
        const written = good.length > 0 ? await writer.write(trx, good, options) : [];
        written.forEach((outcome, n) => (outcomes[goodAt[n]!] = outcome));
        const counts = tally(outcomes);
        const errors = outcomes.filter((outcome): outcome is RowError => typeof outcome === 'object');
        const next: Checkpoint = { rows: previous.rows + items.length, counts: addCounts(addCounts(emptyCounts(), previous.counts), counts) };
        await hooks.checkpoint?.(trx, next, errors, previous);
        return { next, errors };
      });
    } catch (error) {
      if (attempt >= BATCH_ATTEMPTS || !retryable(error)) throw error;
      // Full jitter, so two batches that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
    }
  }
}

function tally(outcomes: readonly RowOutcome[]): Counts {
  const counts = emptyCounts();
  for (const outcome of outcomes) {
    counts.read++;
    if (typeof outcome === 'object') counts.failed++;
    else counts[outcome]++;
  }
  return counts;
}
