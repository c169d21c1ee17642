// schema.graphql at the top level is the served schema, printed: the file
// equals what the code builds and what a client introspects over HTTP.
import { buildClientSchema, getIntrospectionQuery, printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printServedSchema, readSchemaFile, servedSdl } from '../scripts/schema/served.ts';
import { createTestDatabase } from './support/db.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(await createTestDatabase('schema_artifact'));
});
afterAll(async () => server?.close());

describe('the schema artifact', () => {
  it('schema.graphql is the schema the code builds (run `npm run schema:print` if this fails)', () => {
    expect(readSchemaFile(), 'schema.graphql is out of date: run `npm run schema:print` and commit it').toBe(printServedSchema());
  });

  it('schema.graphql is the schema a client introspects over HTTP, in the same order', async () => {
    const res = await server.gql(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }));
    expect(res.body.errors).toBeUndefined();
    const introspected = printSchema(buildClientSchema(res.body.data)) + '\n';
    expect(introspected).toBe(servedSdl());
    expect(readSchemaFile().endsWith(introspected)).toBe(true);
  });
});
