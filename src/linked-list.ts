// A doubly linked list for long-lived collections whose entries come and go
// with requests: the pending deadlines, the responses in flight, the cache's
// recency order.
//
// Why not a Set or a Map: V8 rehashes their table every few dozen deletions,
// and links each replaced table to its successor (for iterators still
// walking it) without clearing the replaced table's entries. Once one table
// lived long enough to be promoted to the old generation, every later table,
// with whatever its entries held (a request's closure: the whole request), is
// kept alive through that chain by each scavenge until the next full GC. On
// point lookups this put about half of the gateway's starts in a state of
// 5-12 ms scavenges promoting ~1.8 MB each, at 15-35% less throughput
// (bench/RESULTS.md, round 8). Here removing an entry clears its links, so a
// removed entry keeps nothing alive, however old it is.

/** An entry of a LinkedList: what push() returns and remove() takes. */
export interface ListEntry<T> {
  readonly value: T;
}

interface Entry<T> extends ListEntry<T> {
  prev: Entry<T> | null;
  next: Entry<T> | null;
  list: LinkedList<T> | null;
}

export class LinkedList<T> implements Iterable<T> {
  #head: Entry<T> | null = null;
  #tail: Entry<T> | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Appends `value` at the end. */
  push(value: T): ListEntry<T> {
    const entry: Entry<T> = { value, prev: null, next: null, list: null };
    this.#link(entry);
    return entry;
  }

  /** Takes the entry out; false when it is not (or no longer) in this list. */
  remove(handle: ListEntry<T>): boolean {
    const entry = handle as Entry<T>;
    if (entry.list !== this) return false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = null;
    entry.next = null;
    entry.list = null;
    this.#size--;
    return true;
  }

  /** Moves an entry of this list to the end. */
  moveToEnd(handle: ListEntry<T>): void {
    if (handle === this.#tail || !this.remove(handle)) return;
    this.#link(handle as Entry<T>);
  }

  /** The first entry, or null when empty. */
  first(): ListEntry<T> | null {
    return this.#head;
  }

  /**
   * The entries from first to last. Entries may be removed meanwhile; when the
   * one after the current was removed, the walk goes on from the first, so an
   * entry may be visited twice, but never one that was removed.
   */
  *entries(): IterableIterator<ListEntry<T>> {
    let entry = this.#head;
    while (entry) {
      const next = entry.next;
      yield entry;
      entry = next === null || next.list === this ? next : this.#head;
    }
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const entry of this.entries()) yield entry.value;
  }

  #link(entry: Entry<T>): void {
    entry.prev = this.#tail;
    entry.list = this;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    this.#size++;
  }
}
