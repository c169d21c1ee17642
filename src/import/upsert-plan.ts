// What a batch of keyed rows (users by email, products by sku) does, given
// which keys are taken (matchKeys): rows with the same key form a group, in
// file order, and --on-conflict decides the group's fate:
// - skip:   a new key is inserted from its first row; every other row is skipped;
// - update: a new key is inserted and a taken one updated, either way with the
//           values of its last row (as if the rows were applied in order);
// - fail:   a new key is inserted from its first row; every other row fails
//           with the mutation's CONFLICT.
import type { AppError } from '../errors.ts';
import { toRowError } from './fields.ts';
import type { KeyMatch } from './match-keys.ts';
import type { OnConflict, RowOutcome } from './types.ts';

export interface Keyed<V> {
  readonly line: number;
  readonly value: V;
}

export interface UpsertPlan<V> {
  /** Rows to insert (the values to insert them with). */
  readonly inserts: V[];
  /** Stored rows to update: their id and the values to give them. */
  readonly updates: { id: string; value: V }[];
  readonly outcomes: RowOutcome[];
}

export function planUpserts<V>(
  rows: readonly Keyed<V>[],
  matches: readonly KeyMatch[],
  onConflict: OnConflict,
  conflict: (value: V) => AppError,
  /** The values an insert or update takes from the group's last row, keeping the first row's key. */
  merge: (first: V, last: V) => V,
): UpsertPlan<V> {
  const groups = new Map<number, number[]>();
  matches.forEach((match, i) => {
    const members = groups.get(match.first);
    if (members) members.push(i);
    else groups.set(match.first, [i]);
  });
  const inserts: V[] = [];
  const updates: { id: string; value: V }[] = [];
  const outcomes = new Array<RowOutcome>(rows.length);
  for (const members of groups.values()) {
    const first = members[0]!;
    const existingId = matches[first]!.existingId;
    const last = members[members.length - 1]!;
    if (onConflict === 'update') {
      const value = merge(rows[first]!.value, rows[last]!.value);
      if (existingId === null) inserts.push(value);
      else updates.push({ id: existingId, value });
      members.forEach((i, n) => (outcomes[i] = existingId === null && n === 0 ? 'inserted' : 'updated'));
      continue;
    }
    members.forEach((i, n) => {
      if (existingId === null && n === 0) {
        inserts.push(rows[i]!.value);
        outcomes[i] = 'inserted';
      } else {
        outcomes[i] = onConflict === 'skip' ? 'skipped' : toRowError(conflict(rows[i]!.value), rows[i]!.line);
      }
    });
  }
  return { inserts, updates, outcomes };
}
