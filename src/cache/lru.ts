// The bounded part of the in-process caches: entries in least-recently-used
// order, bounded by entry count and by bytes (each value carries its size, see
// sizeOf in response-cache.ts). The memory store keeps its entries in one, the
// Redis store its local copy of entries. What makes an entry valid (expiry,
// versions) is the store's business; this only keeps the bounds.
//
// The order is a linked list and the Map is only written when an entry comes
// or goes: a hit moves its list entry, instead of deleting and re-adding the
// key, which would churn the Map's table on every hit (see linked-list.ts).
import { LinkedList, type ListEntry } from '../linked-list.ts';

export interface Sized {
  readonly bytes: number;
}

export class BoundedLru<V extends Sized> {
  readonly #entries = new Map<string, ListEntry<{ key: string; value: V }>>();
  #order = new LinkedList<{ key: string; value: V }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** Whether a value of this size may be stored: at most 1/16 of the byte bound. */
  admits(bytes: number): boolean {
    return bytes <= this.#maxBytes / 16;
  }

  /** The value under `key`, its recency unchanged. */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value.value;
  }

  /** Makes `key` (holding `value`, as peek() returned it) the most recently used. */
  touch(key: string, value: V): void {
    const entry = this.#entries.get(key);
    if (entry && entry.value.value === value) this.#order.moveToEnd(entry);
  }

  /**
   * Stores `value` as the most recently used, replacing what `key` held and
   * dropping the least recently used values until both bounds hold. False
   * (and nothing changed) when admits() refuses it.
   */
  set(key: string, value: V): boolean {
    if (!this.admits(value.bytes)) return false;
    const old = this.#entries.get(key);
    if (old) this.#remove(old);
    for (let oldest = this.#order.first(); oldest; oldest = this.#order.first()) {
      if (this.#bytes + value.bytes <= this.#maxBytes && this.#entries.size < this.#maxEntries) break;
      this.#remove(oldest);
    }
    this.#entries.set(key, this.#order.push({ key, value }));
    this.#bytes += value.bytes;
    return true;
  }

  /** Drops `key`; with `only`, just when it still holds that very value (not one set since). */
  delete(key: string, only?: V): void {
    const entry = this.#entries.get(key);
    if (entry && (only === undefined || entry.value.value === only)) this.#remove(entry);
  }

  clear(): void {
    this.#entries.clear();
    this.#order = new LinkedList();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sum of the stored values' sizes. */
  get bytes(): number {
    return this.#bytes;
  }

  #remove(entry: ListEntry<{ key: string; value: V }>): void {
    this.#entries.delete(entry.value.key);
    this.#order.remove(entry);
    this.#bytes -= entry.value.value.bytes;
  }
}
