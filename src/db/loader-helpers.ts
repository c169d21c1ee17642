// The DataLoader batch contract in one place: one statement per batch, then
// keys.map(k => byKey.get(k) ?? fallback), batches capped well below MySQL's
// placeholder limit.
import DataLoader from 'dataloader';

export interface LoaderOptions {
  maxBatchSize: number;
  /** Test hook: receives every batch's keys, to prove batching happened. */
  onBatch?: (loader: string, keys: readonly unknown[]) => void;
}

/** A loader of rows by their `id` column; unknown ids give null. */
export function byIdLoader<Row extends { id: string }>(
  name: string,
  fetch: (ids: readonly string[]) => Promise<Row[]>,
  options: LoaderOptions,
): DataLoader<string, Row | null> {
  return new DataLoader<string, Row | null>(
    async (ids) => {
      options.onBatch?.(name, ids);
      const byId = new Map<string, Row>();
      for (const row of await fetch(ids)) byId.set(row.id, row);
      return ids.map((id) => byId.get(id) ?? null);
    },
    { maxBatchSize: options.maxBatchSize },
  );
}

/** A loader of row lists grouped by a foreign key; unknown keys give []. */
export function groupedLoader<Row>(
  name: string,
  fetch: (keys: readonly string[]) => Promise<Row[]>,
  keyOf: (row: Row) => string,
  options: LoaderOptions,
): DataLoader<string, Row[]> {
  return new DataLoader<string, Row[]>(
    async (keys) => {
      options.onBatch?.(name, keys);
      const byKey = new Map<string, Row[]>();
      for (const row of await fetch(keys)) {
        const key = keyOf(row);
        const list = byKey.get(key);
        if (list) list.push(row);
        else byKey.set(key, [row]);
      }
      return keys.map((key) => byKey.get(key) ?? []);
    },
    { maxBatchSize: options.maxBatchSize },
  );
}

/** Groups composite keys by a shared part, remembering each key's position. */
export function groupKeys<K, G>(keys: readonly K[], groupOf: (key: K) => string, shared: (key: K) => G) {
  const groups = new Map<string, { index: number; shared: G; keys: K[] }>();
  for (const key of keys) {
    const id = groupOf(key);
    let group = groups.get(id);
    if (!group) {
      group = { index: groups.size, shared: shared(key), keys: [] };
      groups.set(id, group);
    }
    group.keys.push(key);
  }
  return [...groups.values()];
}

/** Puts `value` in the cache in place of whatever was there (prime alone keeps an old entry). */
export function replaceCached<K, V, C>(loader: DataLoader<K, V, C>, key: K, value: V): void {
  loader.clear(key).prime(key, value);
}
