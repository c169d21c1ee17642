// LinkedList: the collection behind the pending deadlines, the responses in
// flight and the cache's recency order, and the reason it exists: an entry
// removed from it keeps nothing alive, where a Set churned the same way keeps
// its removed entries alive through scavenges (see src/linked-list.ts).
import { setFlagsFromString, getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../src/deadlines.ts';
import { LinkedList } from '../src/linked-list.ts';

describe('LinkedList', () => {
  it('keeps insertion order; remove takes out exactly one entry, once', () => {
    const list = new LinkedList<string>();
    expect([...list]).toEqual([]);
    expect(list.first()).toBeNull();
    const a = list.push('a');
    const b = list.push('b');
    const c = list.push('c');
    expect([...list]).toEqual(['a', 'b', 'c']);
    expect(list.size).toBe(3);
    expect(list.remove(b)).toBe(true);
    expect(list.remove(b)).toBe(false);
    expect([...list]).toEqual(['a', 'c']);
    expect(list.remove(a)).toBe(true);
    expect(list.first()?.value).toBe('c');
    expect(list.remove(c)).toBe(true);
    expect(list.size).toBe(0);
    expect([...list]).toEqual([]);
    expect(list.first()).toBeNull();
    list.push('d');
    expect([...list]).toEqual(['d']);
  });

  it('an entry of another list is not removed', () => {
    const one = new LinkedList<number>();
    const other = new LinkedList<number>();
    const entry = one.push(1);
    other.push(1);
    expect(other.remove(entry)).toBe(false);
    expect(other.size).toBe(1);
    expect(one.size).toBe(1);
  });

  it('moveToEnd moves an entry of the list and ignores one that is not in it', () => {
    const list = new LinkedList<string>();
    const a = list.push('a');
    list.push('b');
    const c = list.push('c');
    list.moveToEnd(a);
    expect([...list]).toEqual(['b', 'c', 'a']);
    list.moveToEnd(a);
    expect([...list]).toEqual(['b', 'c', 'a']);
    list.remove(c);
    list.moveToEnd(c);
    expect([...list]).toEqual(['b', 'a']);
    expect(list.size).toBe(2);
  });

  it('a walk survives removals of the current and of the next entry, and never yields a removed one', () => {
    const list = new LinkedList<number>();
    const entries = [1, 2, 3, 4, 5, 6].map((n) => list.push(n));
    const seen: number[] = [];
    for (const entry of list.entries()) {
      seen.push(entry.value);
      // Each odd entry removes itself and the entry after it.
      if (entry.value % 2 === 1) {
        list.remove(entry);
        list.remove(entries[entry.value]!);
      }
    }
    expect(seen).toEqual([1, 3, 5]);
    expect(list.size).toBe(0);
  });
});

/** `gc` of V8, as --expose-gc would give it (taken from a fresh context once the flag is set). */
function exposeGc(): (options?: { type: 'minor' | 'major' }) => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
}

/** Bytes in use in the young and old generations. */
function heapUsed(): number {
  return getHeapSpaceStatistics()
    .filter((space) => space.space_name === 'new_space' || space.space_name === 'old_space')
    .reduce((sum, space) => sum + space.space_used_size, 0);
}

/**
 * Requests as a long-lived collection sees them: 8 in flight at a time, each
 * added when it starts and taken out when it ends, with ~1 KB of its own.
 * Returns the bytes still in use after scavenges only (what a request that
 * ended keeps alive until the next full GC).
 */
function keptAfterScavenges(collection: { add(request: object): unknown; remove(handle: unknown): void }): number {
  const gc = exposeGc();
  const inFlight: unknown[] = [];
  for (let i = 0; i < 8; i++) inFlight.push(collection.add({ payload: new Array(100).fill(-i) }));
  // Long-lived, as the gateway's are: promoted before the load begins.
  gc();
  gc();
  const before = heapUsed();
  for (let i = 0; i < 20_000; i++) {
    collection.remove(inFlight.shift());
    inFlight.push(collection.add({ payload: new Array(100).fill(i) }));
  }
  for (const handle of inFlight.splice(0)) collection.remove(handle);
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return heapUsed() - before;
}

describe('what a removed entry keeps alive', () => {
  it('through a LinkedList: nothing, even when the list is old', () => {
    const list = new LinkedList<object>();
    const kept = keptAfterScavenges({ add: (request) => list.push(request), remove: (entry) => list.remove(entry as never) });
    expect(kept).toBeLessThan(256 * 1024);
  });

  it('through Deadlines: nothing, once settled', () => {
    const deadlines = new Deadlines(1000);
    const kept = keptAfterScavenges({ add: (request) => deadlines.add(60_000, () => void request), remove: (deadline) => deadlines.settle(deadline as never) });
    expect(kept).toBeLessThan(256 * 1024);
    expect(deadlines.size).toBe(0);
  });

  // The V8 behaviour the list avoids; if a V8 upgrade ends it, this says so.
  it('through a Set: megabytes, until a full GC', () => {
    const set = new Set<object>();
    const kept = keptAfterScavenges({ add: (request) => (set.add(request), request), remove: (request) => set.delete(request as object) });
    expect(kept).toBeGreaterThan(1024 * 1024);
  });
});
