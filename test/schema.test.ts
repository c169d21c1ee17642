// The SDL in schema/ is the source of truth: the served schema equals it,
// every type, field and argument is described, the generated resolver types
// are in step with it, and the contract's client-facing shape is all there.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import {
  buildSchema,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codegenConfig } from '../codegen.ts';
import { migrations } from '../migrations/index.ts';
import { loadTypeDefs } from '../src/schema.ts';
import { createTestDatabase } from './support/db.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const sdlSchema = buildSchema(loadTypeDefs());

beforeAll(async () => {
  server = await startTestServer(await createTestDatabase('schema'));
});
afterAll(async () => server?.close());

const print = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));

describe('schema', () => {
  it('the schema served over HTTP equals the SDL files', async () => {
    const res = await server.gql(getIntrospectionQuery({ descriptions: true }));
    expect(res.body.errors).toBeUndefined();
    const { buildClientSchema } = await import('graphql');
    expect(print(buildClientSchema(res.body.data))).toBe(print(sdlSchema));
  });

  it('every type, field, argument and enum value has a description', () => {
    const missing: string[] = [];
    for (const type of Object.values(sdlSchema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      if (!type.description?.trim()) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description?.trim()) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has the client-facing shape of the contract (a floor: fields the contract fixes are there; more may be added)', () => {
    const fields = (name: string) => Object.keys((sdlSchema.getType(name) as any).getFields()).sort();
    const contains = (list: string[]) => expect.arrayContaining(list);
    expect(fields('Query')).toEqual(contains(['job', 'order', 'orders', 'product', 'productCount', 'products', 'user', 'users']));
    expect(fields('Mutation')).toEqual(contains(['cancelOrder', 'createProduct', 'createUser', 'importFile', 'placeOrder', 'restockProducts']));
    expect(fields('Subscription')).toEqual(contains(['orderPlaced']));
    expect(fields('User')).toEqual(contains(['createdAt', 'email', 'id', 'name', 'orderCount', 'orders', 'totalSpent']));
    expect(fields('Order')).toEqual(contains(['createdAt', 'id', 'items', 'status', 'total', 'user']));
    expect(fields('OrderItem')).toEqual(contains(['product', 'quantity', 'subtotal', 'unitPrice']));
    expect(fields('Product')).toEqual(contains(['createdAt', 'id', 'name', 'price', 'sku', 'stock']));
    for (const c of ['UserConnection', 'OrderConnection', 'ProductConnection']) expect(fields(c)).toEqual(contains(['edges', 'nodes', 'pageInfo', 'totalCount']));
    expect(fields('PageInfo')).toEqual(contains(['endCursor', 'hasNextPage', 'hasPreviousPage', 'startCursor']));
    expect(fields('RestockResult')).toEqual(contains(['error', 'product', 'productId']));
    expect(String((sdlSchema.getQueryType()!.getFields().users!.args.find((a) => a.name === 'first'))!.defaultValue)).toBe('20');
    // Fixed from round 2: importFile(file: File!, kind: ImportKind!): Job!, job(id: ID!): Job, the statuses and kinds.
    const importFile = sdlSchema.getMutationType()!.getFields().importFile!;
    expect(String(importFile.type)).toBe('Job!');
    expect(importFile.args.filter((a) => a.name === 'file' || a.name === 'kind').map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['file: File!', 'kind: ImportKind!']);
    expect(String(sdlSchema.getQueryType()!.getFields().job!.type)).toBe('Job');
    const values = (name: string) => (sdlSchema.getType(name) as any).getValues().map((v: { name: string }) => v.name);
    expect(values('ImportKind')).toEqual(['USERS', 'PRODUCTS', 'ORDERS']);
    expect(values('JobStatus')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect(fields('Job')).toEqual(expect.arrayContaining(['id', 'status']));
  });

  it('the generated resolver types are in step with the SDL (run `npm run codegen` if this fails)', async () => {
    const outputs = await generate({ ...codegenConfig, cwd: path.resolve(import.meta.dirname, '..'), silent: true }, false);
    const output = outputs.find((o: { filename: string }) => o.filename.endsWith('src/generated/graphql.ts'))!;
    const onDisk = readFileSync(path.resolve(import.meta.dirname, '../src/generated/graphql.ts'), 'utf8');
    expect(output.content.trim()).toBe(onDisk.trim());
  }, 60_000);

  it('every migration file is registered in migrations/index.ts', () => {
    const files = readdirSync(path.resolve(import.meta.dirname, '../migrations'))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(migrations).sort()).toEqual(files);
  });
});
