// createUser and createProduct: every malformed field is BAD_USER_INPUT naming
// it, duplicates are CONFLICT, nothing is ever truncated, refusals change nothing.
import { beforeEach, describe, expect, it } from 'vitest';
import { dumpTables } from './support/dump.ts';
import { insertProduct, insertUser, rows } from './support/fixtures.ts';
import { useTestServer } from './support/server.ts';

const t = useTestServer('write_create');

const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { id name email createdAt orderCount totalSpent } }`;
const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name price stock createdAt } }`;

beforeEach(async () => {
  await insertUser(t.conn, 'Existing', 'taken@example.com');
  await insertProduct(t.conn, 'TAKEN-1', 'Existing', '1.00', 1);
});

describe('createUser', () => {
  it('creates the user and answers it as stored, trimmed, with a UTC createdAt', async () => {
    const response = await t.server.gql(CREATE_USER, { input: { name: '  Zoë 🚀  ', email: 'zoe@example.com' } });
    expect(response.body.errors).toBeUndefined();
    const user = response.body.data.createUser;
    expect(user).toMatchObject({ name: 'Zoë 🚀', email: 'zoe@example.com', orderCount: 0, totalSpent: '0.00' });
    expect(user.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(await rows(t.conn, 'SELECT id, name, email FROM users WHERE id = ?', [user.id])).toEqual([{ id: user.id, name: 'Zoë 🚀', email: 'zoe@example.com' }]);
  });

  it('a name of exactly 100 characters (emoji included) is stored whole', async () => {
    const name = '😀'.repeat(100);
    const response = await t.server.gql(CREATE_USER, { input: { name, email: 'long@example.com' } });
    expect(response.body.errors).toBeUndefined();
    expect(await rows(t.conn, 'SELECT name FROM users WHERE email = ?', ['long@example.com'])).toEqual([{ name }]);
  });

  const refusals: [string, Record<string, string>, string, string][] = [
    ['a malformed email', { name: 'A', email: 'not-an-email' }, 'BAD_USER_INPUT', 'input.email'],
    ['an email without a domain dot', { name: 'A', email: 'a@localhost' }, 'BAD_USER_INPUT', 'input.email'],
    ['an email with spaces', { name: 'A', email: 'a b@example.com' }, 'BAD_USER_INPUT', 'input.email'],
    ['an email longer than 255 characters', { name: 'A', email: `${'a'.repeat(250)}@example.com` }, 'BAD_USER_INPUT', 'input.email'],
    ['an empty name', { name: '   ', email: 'a@example.com' }, 'BAD_USER_INPUT', 'input.name'],
    ['a name of 101 characters', { name: 'n'.repeat(101), email: 'a@example.com' }, 'BAD_USER_INPUT', 'input.name'],
    ['a name of 101 emoji', { name: '😀'.repeat(101), email: 'a@example.com' }, 'BAD_USER_INPUT', 'input.name'],
    ['an email already in use', { name: 'A', email: 'taken@example.com' }, 'CONFLICT', 'input.email'],
    ['an email in use in another letter case', { name: 'A', email: 'TAKEN@Example.COM' }, 'CONFLICT', 'input.email'],
  ];
  for (const [what, input, code, field] of refusals) {
    it(`${what} is ${code} naming ${field}, and no table changes`, async () => {
      const before = await dumpTables(t.conn);
      const response = await t.server.gql(CREATE_USER, { input });
      expect(response.body.data).toBeNull();
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors![0]!.extensions).toMatchObject({ code, field });
      expect(response.body.errors![0]!.message).toContain(field);
      expect(await dumpTables(t.conn)).toBe(before);
    });
  }

  it('of concurrent creations with one email exactly one wins, the others are CONFLICT', async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => t.server.gql(CREATE_USER, { input: { name: `Racer ${i}`, email: 'race@example.com' } })),
    );
    const codes = responses.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'OK']);
    expect(await rows(t.conn, 'SELECT email FROM users WHERE email = ?', ['race@example.com'])).toHaveLength(1);
  });
});

describe('createProduct', () => {
  it('creates the product with its exact price and stock', async () => {
    const response = await t.server.gql(CREATE_PRODUCT, { input: { sku: 'NEW_1.a-b', name: 'New', price: '0.10', stock: 0 } });
    expect(response.body.errors).toBeUndefined();
    const product = response.body.data.createProduct;
    expect(product).toMatchObject({ sku: 'NEW_1.a-b', name: 'New', price: '0.10', stock: 0 });
    expect(await rows(t.conn, 'SELECT sku, name, price, stock FROM products WHERE id = ?', [product.id])).toEqual([
      { sku: 'NEW_1.a-b', name: 'New', price: '0.10', stock: 0 },
    ]);
  });

  it('a price given as "7" or 7.5 is stored as 7.00 and 7.50', async () => {
    const seven = await t.server.gql(CREATE_PRODUCT, { input: { sku: 'S7', name: 'Seven', price: '7', stock: 1 } });
    const half = await t.server.gql(CREATE_PRODUCT, { input: { sku: 'S75', name: 'Seven and a half', price: 7.5, stock: 1 } });
    expect(seven.body.data.createProduct.price).toBe('7.00');
    expect(half.body.data.createProduct.price).toBe('7.50');
    expect(await rows(t.conn, "SELECT price FROM products WHERE sku IN ('S7', 'S75') ORDER BY sku")).toEqual([{ price: '7.00' }, { price: '7.50' }]);
  });

  const valid = { sku: 'OK-1', name: 'Fine', price: '1.00', stock: 1 };
  const refusals: [string, Record<string, unknown>, string, string][] = [
    ['a negative price', { price: '-0.01' }, 'BAD_USER_INPUT', 'input.price'],
    ['a price with three decimals', { price: '1.005' }, 'BAD_USER_INPUT', 'input.price'],
    ['a price beyond DECIMAL(12,2)', { price: '12345678901.00' }, 'BAD_USER_INPUT', 'input.price'],
    ['a negative stock', { stock: -1 }, 'BAD_USER_INPUT', 'input.stock'],
    ['an sku with a space', { sku: 'A B' }, 'BAD_USER_INPUT', 'input.sku'],
    ['an empty sku', { sku: '' }, 'BAD_USER_INPUT', 'input.sku'],
    ['an sku of 65 characters', { sku: 'S'.repeat(65) }, 'BAD_USER_INPUT', 'input.sku'],
    ['a name of 201 characters', { name: 'n'.repeat(201) }, 'BAD_USER_INPUT', 'input.name'],
    ['an empty name', { name: '' }, 'BAD_USER_INPUT', 'input.name'],
    ['an sku already in use', { sku: 'TAKEN-1' }, 'CONFLICT', 'input.sku'],
    ['an sku in use in another letter case', { sku: 'taken-1' }, 'CONFLICT', 'input.sku'],
  ];
  for (const [what, change, code, field] of refusals) {
    it(`${what} is ${code} naming ${field}, and no table changes`, async () => {
      const before = await dumpTables(t.conn);
      const response = await t.server.gql(CREATE_PRODUCT, { input: { ...valid, ...change } });
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors).toHaveLength(1);
      const error = response.body.errors![0]!;
      expect(error.extensions?.code).toBe(code);
      // Checks in the resolver say the field in `extensions.field`; the Decimal scalar's, in the message.
      expect(error.extensions?.field ?? field).toBe(field);
      expect(error.message).toContain(field);
      expect(await dumpTables(t.conn)).toBe(before);
    });
  }
});

describe('transport', () => {
  it('a mutation sent with GET is refused with 405 and changes nothing', async () => {
    const before = await dumpTables(t.conn);
    const query = 'mutation { createUser(input: { name: "Get", email: "get@example.com" }) { id } }';
    const res = await fetch(`${t.server.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(405);
    expect(await dumpTables(t.conn)).toBe(before);
  });
});
