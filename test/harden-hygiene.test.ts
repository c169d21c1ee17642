// The leak check run after every test file (test/support/setup.ts) is real:
// it recognises SQL, driver codes and names and stack lines, and lets the
// contract's own messages through.
import { describe, expect, it } from 'vitest';
import { findLeaks } from './support/leaks.ts';

describe('error hygiene check', () => {
  it('flags SQL text, driver error codes, driver and query-builder names, and stack lines', () => {
    const leaks = [
      { message: 'select `id`, `name` from `users` where `id` in (?)' },
      { message: "Duplicate entry 'a@b.c' for key 'email'", extensions: { code: 'ER_DUP_ENTRY' } },
      { message: 'Connection lost (mysql2)' },
      { message: 'MariaDB server has gone away' },
      { message: 'Kysely: no transaction' },
      { message: 'boom', extensions: { stacktrace: ['Error: boom', '    at resolve (/app/src/users/user.resolvers.ts:12:7)'] } },
    ];
    expect(findLeaks(leaks).map((leak) => leak.kind)).toEqual([
      'SQL text',
      'driver error code',
      'driver or library name',
      'driver or library name',
      'driver or library name',
      'stack line',
      'source path',
    ]);
  });

  it('lets the messages clients are meant to see through', () => {
    const clean = [
      { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: '0b7c3c2e-1f0a-4f57-9d47-3c6f2a1b9e10' } },
      { message: 'The database is unavailable; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } },
      { message: 'Query depth 15 exceeds the limit of 10.', extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth', value: 15, max: 10 } },
      { message: 'first must be between 0 and 100, but got 250', extensions: { code: 'BAD_USER_INPUT' } },
      { message: 'Cannot query field "nope" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    ];
    expect(findLeaks(clean)).toEqual([]);
  });
});
