// Deadlines: one interval timer for many deadlines (request limits of
// compiled queries, the driver-side statement bound).
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../src/deadlines.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Deadlines', () => {
  it('fires a deadline once it has passed, within one period, and only once', async () => {
    const deadlines = new Deadlines(10);
    const fired: number[] = [];
    const started = performance.now();
    deadlines.add(50, () => fired.push(performance.now() - started));
    await sleep(40);
    expect(fired).toEqual([]);
    await sleep(60);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(50);
    expect(fired[0]).toBeLessThan(50 + 10 + 40);
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
    deadlines.add(80, () => order.push('long'));
    deadlines.add(20, () => order.push('short'));
    await sleep(50);
    expect(order).toEqual(['short']);
    await sleep(60);
    expect(order).toEqual(['short', 'long']);
  });

  it('periods fit their limits: an eighth, between 10 and 250 ms', () => {
    expect(Deadlines.periodFor(400)).toBe(50);
    expect(Deadlines.periodFor(10_000)).toBe(250);
    expect(Deadlines.periodFor(20)).toBe(10);
  });
});
