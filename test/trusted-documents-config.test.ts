// TRUSTED_DOCUMENTS is read and checked at start: a missing or bad manifest
// stops the process with one line naming the variable, before the database
// is waited for; unset, nothing changes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { loadTrustedDocuments, TrustedDocumentsError } from '../src/http/trusted-documents.ts';
import { killIfRunning, spawnGateway, type GatewayProcess } from './support/process.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'trusted-documents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const manifest = (name: string, content: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};
const good = manifest('good.json', JSON.stringify({ abc123: 'query Count { productCount }', def456: 'query A { ...F } fragment F on Query { productCount }' }));

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('TRUSTED_DOCUMENTS at start', () => {
  it('is off by default', () => {
    expect(loadConfig({}).trustedDocuments).toBeNull();
    expect(loadConfig({ TRUSTED_DOCUMENTS: '  ', TRUSTED_DOCUMENTS_ONLY: 'false' }).trustedDocuments).toBeNull();
  });

  it('loads a manifest, in refuse-the-rest mode with TRUSTED_DOCUMENTS_ONLY=true', () => {
    const policy = loadConfig({ TRUSTED_DOCUMENTS: good, TRUSTED_DOCUMENTS_ONLY: 'true' }).trustedDocuments!;
    expect(policy.only).toBe(true);
    expect(policy.documents.size).toBe(2);
    expect(policy.documents.file).toBe(good);
    expect(policy.documents.get('abc123')).toBe('query Count { productCount }');
    expect(policy.documents.get('sha256:abc123')).toBe('query Count { productCount }');
    expect(policy.documents.get('nope')).toBeUndefined();
    expect(loadConfig({ TRUSTED_DOCUMENTS: good }).trustedDocuments!.only).toBe(false);
  });

  it("finds a client-preset key (sha256:<hex>) by Apollo's bare hex as well", () => {
    const file = manifest('prefixed.json', JSON.stringify({ 'sha256:abc123': 'query Count { productCount }' }));
    const { documents } = loadConfig({ TRUSTED_DOCUMENTS: file }).trustedDocuments!;
    expect(documents.get('sha256:abc123')).toBe('query Count { productCount }');
    expect(documents.get('abc123')).toBe('query Count { productCount }');
    expect(documents.get('sha256:abc12')).toBeUndefined();
  });

  it.each([
    ['missing.json', null, /cannot read ".*missing\.json" \(no such file\); expected the client preset's persisted-documents\.json/],
    ['broken.json', '{"abc": "query', /is not JSON \(/],
    ['array.json', '["query A { productCount }"]', /must be a JSON object of hash -> document, as the client preset writes it, but holds an array/],
    ['number.json', '{"abc": 42}', /maps "abc" to a number; every value must be a document's text/],
    ['syntax.json', '{"abc": "query { productCount"}', /the document of "abc" does not parse \(Syntax Error: Expected Name, found <EOF>\.\)/],
    ['fragment.json', '{"abc": "fragment F on Query { productCount }"}', /the document of "abc" holds no operation, only fragments/],
    ['empty.json', '{}', /holds no documents/],
    ['spaces.json', '{"a b": "query A { productCount }"}', /has the hash "a b"; a hash must be non-empty, without spaces/],
  ])('refuses %s with one line naming TRUSTED_DOCUMENTS', (name, content, reason) => {
    const file = content === null ? path.join(dir, name) : manifest(name, content);
    const error = configError({ TRUSTED_DOCUMENTS: file });
    expect(error.variable).toBe('TRUSTED_DOCUMENTS');
    expect(error.message).toMatch(/^Invalid TRUSTED_DOCUMENTS: /);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain('\n');
    expect(() => loadTrustedDocuments(file)).toThrow(TrustedDocumentsError);
  });

  it('refuses a directory', () => {
    expect(configError({ TRUSTED_DOCUMENTS: dir }).message).toMatch(/cannot read ".*" \(it is a directory\)/);
  });

  it('refuses TRUSTED_DOCUMENTS_ONLY without a manifest, and a value that is not a boolean', () => {
    const error = configError({ TRUSTED_DOCUMENTS_ONLY: 'true' });
    expect(error.variable).toBe('TRUSTED_DOCUMENTS_ONLY');
    expect(error.message).toBe('Invalid TRUSTED_DOCUMENTS_ONLY: is true, but TRUSTED_DOCUMENTS (the manifest of the documents to allow) is not set');
    expect(configError({ TRUSTED_DOCUMENTS: good, TRUSTED_DOCUMENTS_ONLY: 'always' }).message).toBe(
      'Invalid TRUSTED_DOCUMENTS_ONLY: must be true or false, but got "always"',
    );
  });

  describe('the real process', () => {
    let gateway: GatewayProcess | undefined;
    afterEach(() => killIfRunning(gateway));

    it('exits 1 at once with the one line, without waiting for a database', async () => {
      // A database that is not there: a good manifest would have the process retry it, not exit.
      gateway = spawnGateway({ DATABASE_URL: 'mysql://root@127.0.0.1:1/shop', PORT: '0', TRUSTED_DOCUMENTS: path.join(dir, 'absent.json') });
      const exit = await gateway.exited;
      await new Promise((r) => setTimeout(r, 50));
      expect(exit.code).toBe(1);
      expect(gateway.lines).toEqual([
        `Invalid TRUSTED_DOCUMENTS: cannot read "${path.join(dir, 'absent.json')}" (no such file); expected the client preset's persisted-documents.json`,
      ]);
    }, 30_000);
  });
});
