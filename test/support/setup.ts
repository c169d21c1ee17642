// Loaded before every test file (vitest setupFiles): once a file's tests have
// run, every error body any of them received through test/support/server.ts
// (or pushed to seenErrors by hand) must be free of SQL, driver codes and
// names, and stack lines. Then the databases the file created are dropped.
import { afterAll, expect } from 'vitest';
import { dropOwnDatabases } from './db.ts';
import { findLeaks } from './leaks.ts';
import { seenErrors } from './server.ts';

afterAll(async () => {
  // Registered before the file's own hooks, so it runs after them (vitest runs after-hooks as a stack).
  await dropOwnDatabases();
  expect(findLeaks(seenErrors), 'error responses leaked internals').toEqual([]);
});
