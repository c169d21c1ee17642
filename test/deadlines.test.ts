// Deadlines: one interval timer for many deadlines (request limits of
// compiled queries, the driver-side statement bound).
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../src/deadlines.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to 2 s) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  const give = performance.now() + 2000;
  while (!done() && performance.now() < give) await sleep(2);
}

describe('Deadlines', () => {
  // Timer checks hold however late the event loop runs (the full suite keeps
  // both cores busy): "not yet" is asserted only while the clock says so.
  it('fires a deadline once it has passed, never before, and only once', async () => {
    const deadlines = new Deadlines(10);
    const fired: number[] = [];
    const started = performance.now();
    deadlines.add(50, () => fired.push(performance.now() - started));
    await sleep(20);
    if (performance.now() - started < 50) expect(fired).toEqual([]);
    await until(() => fired.length > 0);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(50);
    await sleep(30);
    expect(fired).toHaveLength(1);
    expect(deadlines.size).toBe(0);
  });

  it('a settled deadline never fires, and settle says whether it came first', async () => {
    const deadlines = new Deadlines(10);
    let fired = 0;
    const early = deadlines.add(30, () => fired++);
    expect(deadlines.settle(early)).toBe(true);
    const late = deadlines.add(10, () => fired++);
    await sleep(50);
    expect(fired).toBe(1);
    expect(deadlines.settle(late)).toBe(false);
    expect(deadlines.settle(early)).toBe(false);
  });

  it('fires deadlines added out of order each at its own time', async () => {
    const deadlines = new Deadlines(5);
    const order: string[] = [];
    const started = performance.now();
    deadlines.add(80, () => order.push('long'));
    deadlines.add(20, () => order.push('short'));
    await until(() => order.length > 0);
    if (performance.now() - started < 80) expect(order).toEqual(['short']);
    await until(() => order.length > 1);
    expect(order).toEqual(['short', 'long']);
  });

  it('a deadline settled by another one firing in the same tick does not fire', async () => {
    const deadlines = new Deadlines(5);
    const fired: string[] = [];
    let second: ReturnType<Deadlines['add']> | null = null;
    deadlines.add(10, () => {
      fired.push('first');
      fired.push(`settled second: ${deadlines.settle(second!)}`);
    });
    second = deadlines.add(10, () => fired.push('second'));
    deadlines.add(10, () => fired.push('third'));
    await until(() => deadlines.size === 0);
    await sleep(20);
    expect(fired).toEqual(['first', 'settled second: true', 'third']);
  });

  it('periods fit their limits: an eighth, between 10 and 250 ms', () => {
    expect(Deadlines.periodFor(400)).toBe(50);
    expect(Deadlines.periodFor(10_000)).toBe(250);
    expect(Deadlines.periodFor(20)).toBe(10);
  });
});
