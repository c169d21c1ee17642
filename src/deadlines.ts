// Deadlines checked by one interval timer instead of one timer each: the
// request time limit of compiled queries and the driver-side bound of SQL
// statements are set on every request, and almost never fire. A setTimeout
// plus clearTimeout per request and per statement showed in the CPU profile;
// here each deadline is one entry of a linked list (not a Set: see
// linked-list.ts), and a tick every `periodMs` (only while any are pending)
// fires those that have passed. A deadline fires up to one period late, so
// periods are kept small next to the limits.
import { LinkedList, type ListEntry } from './linked-list.ts';

interface Pending {
  readonly at: number;
  readonly onExpire: () => void;
}

/** A pending deadline, as add() returns it for settle(). */
export type Deadline = ListEntry<Pending>;

export class Deadlines {
  readonly #pending = new LinkedList<Pending>();
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly periodMs: number) {}

  /** A period fitting a limit of `limitMs`: an eighth of it, between 10 and 250 ms. */
  static periodFor(limitMs: number): number {
    return Math.max(10, Math.min(250, Math.floor(limitMs / 8)));
  }

  /** Calls `onExpire` once `ms` have passed, unless settle() comes first. */
  add(ms: number, onExpire: () => void): Deadline {
    const deadline = this.#pending.push({ at: performance.now() + ms, onExpire });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.periodMs);
      this.#timer.unref();
    }
    return deadline;
  }

  /** True when the deadline had not fired: the caller's own outcome is the one to report. */
  settle(deadline: Deadline): boolean {
    return this.#pending.remove(deadline);
  }

  get size(): number {
    return this.#pending.size;
  }

  #tick(): void {
    const now = performance.now();
    for (const deadline of this.#pending.entries()) {
      if (deadline.value.at > now) continue;
      this.#pending.remove(deadline);
      deadline.value.onExpire();
    }
    if (this.#pending.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
