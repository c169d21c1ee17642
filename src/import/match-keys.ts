// Which keys of a batch (emails, skus) are already taken, and which repeat
// within the batch, decided by the database. The unique indexes compare with
// utf8mb4_unicode_ci ("A@x.io" = "a@x.io", "é" = "e"), which JavaScript cannot
// reproduce, so the keys go in as one JSON_TABLE (MySQL 8.0.4+, MariaDB 10.6+)
// joined to the table under that same collation: one statement a batch, an
// index lookup a key.
import { CompiledQuery } from 'kysely';
import type { SqlSession } from '../db/direct.ts';

/** The unique text keys the import matches on, with their column widths. */
const KEYS = {
  'users.email': { table: 'users', column: 'email', width: 255 },
  'products.sku': { table: 'products', column: 'sku', width: 64 },
} as const;
export type KeyName = keyof typeof KEYS;

export interface KeyMatch {
  /** The id of the stored row with this key, or null. */
  readonly existingId: string | null;
  /** The index of the first key of the batch equal to this one (itself when it is the first). */
  readonly first: number;
}

export async function matchKeys(trx: SqlSession, name: KeyName, keys: readonly string[]): Promise<KeyMatch[]> {
  if (keys.length === 0) return [];
  const { table, column, width } = KEYS[name];
  const { rows } = await trx.executeQuery<{ i: number; id: string | null; first: number }>(
    CompiledQuery.raw(
      `/* import:matchKeys ${name} */ SELECT j.i AS i, t.id AS id, MIN(j.i) OVER (PARTITION BY j.k) AS first ` +
        `FROM JSON_TABLE(?, '$[*]' COLUMNS (i INT PATH '$[0]', k VARCHAR(${width}) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$[1]')) AS j ` +
        `LEFT JOIN ${table} t ON t.${column} = j.k`,
      [JSON.stringify(keys.map((key, i) => [i, key]))],
    ),
  );
  const matches = new Array<KeyMatch>(keys.length);
  for (const row of rows) matches[Number(row.i)] = { existingId: row.id === null ? null : String(row.id), first: Number(row.first) };
  return matches;
}
