// Starts the real app on a real HTTP port (port 0) for a test file, with a
// helper to send GraphQL requests and read statement counts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Config, configWith } from '../../src/config.ts';
import { createApp, type App, type AppOptions } from '../../src/server.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './db.ts';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] };
}

export interface TestServer {
  app: App;
  url: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, init?: { headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  /** Runs `fn` and returns how many SQL statements ran meanwhile. */
  countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }>;
  close(): Promise<void>;
}

/**
 * The body with its errors in path order: GraphQL leaves the order of several
 * errors open (the resolvers list them as their loaders finish), so two
 * servers' answers are compared this way.
 */
export function errorsByPath<B extends { errors?: { path?: unknown }[] }>(body: B): B {
  if (!body.errors) return body;
  const errors = [...body.errors].sort((x, y) => JSON.stringify(x.path ?? '').localeCompare(JSON.stringify(y.path ?? '')));
  return { ...body, errors };
}

/** Every error body seen by tests, checked for leaks after each file by test/support/setup.ts. */
export const seenErrors: unknown[] = [];

export async function startTestServer(config: Config, options: AppOptions = {}): Promise<TestServer> {
  const app = createApp(config, options);
  const server: Server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    url,
    async gql(query, variables, init) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...init?.headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse['body'];
      if (body.errors) seenErrors.push(...body.errors);
      return { status: res.status, headers: res.headers, body };
    },
    async countStatements(fn) {
      const before = app.db.stats.total;
      const result = await fn();
      return { result, statements: app.db.stats.total - before };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/** What useTestServer sets up; read its fields inside hooks and tests (they are set in beforeAll). */
export interface ServerWithTables {
  readonly config: Config;
  readonly server: TestServer;
  /** A direct SQL connection to the same database, for arranging rows and checking tables. */
  readonly conn: mysql.Connection;
}

/**
 * The set-up of a file that tests one app on a database of its own: before
 * all tests the database `gw_test_<label>` (migrated), the server and a SQL
 * connection; before each test every table emptied; after all both closed.
 */
export function useTestServer(label: string, overrides: Parameters<typeof configWith>[1] = {}): ServerWithTables {
  const state = {} as { config: Config; server: TestServer; conn: mysql.Connection };
  beforeAll(async () => {
    state.config = await createTestDatabase(label, overrides);
    state.conn = await sqlConnection(state.config);
    state.server = await startTestServer(state.config);
  });
  afterAll(async () => {
    await state.server?.close();
    await state.conn?.end();
  });
  beforeEach(async () => {
    await truncateAll(state.conn);
  });
  return state;
}
