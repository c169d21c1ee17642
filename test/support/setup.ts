// Loaded before every test file (vitest setupFiles): once a file's tests have
// run, every error body any of them received through test/support/server.ts
// (or pushed to seenErrors by hand) must be free of SQL, driver codes and
// names, and stack lines.
import { afterAll, expect } from 'vitest';
import { findLeaks } from './leaks.ts';
import { seenErrors } from './server.ts';

afterAll(() => {
  expect(findLeaks(seenErrors), 'error responses leaked internals').toEqual([]);
});
