// What the import needs of each kind of row: the columns it reads, the check
// of one row (the mutation's validator, so the rules and messages are the
// mutation's), and the write of a batch of checked rows inside the caller's
// transaction, with one outcome per row.
import type { SqlSession } from '../../db/direct.ts';
import type { ColumnSpec } from '../source.ts';
import type { ImportKind, ImportOptions, RowOutcome } from '../types.ts';
import type { Keyed } from '../upsert-plan.ts';

export interface KindWriter<V> {
  readonly kind: ImportKind;
  readonly spec: ColumnSpec;
  /** One row's values as the mutation would take them; throws the mutation's AppError. */
  prepare(values: Record<string, unknown>, options: ImportOptions): V;
  /**
   * Writes the batch's checked rows in `trx` and says what became of each, in
   * order. Throws only for what concerns the batch as a whole (the caller
   * rolls back and may run it again: a lost deadlock, a key taken meanwhile).
   */
  write(trx: SqlSession, rows: readonly Keyed<V>[], options: ImportOptions): Promise<RowOutcome[]>;
}
