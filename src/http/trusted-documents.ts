// Trusted documents (persisted operations): the manifest of TRUSTED_DOCUMENTS,
// read and checked once at start, and the one rule both HTTP paths follow to
// turn a request into a document. The manifest is what GraphQL Code
// Generator's client preset writes with `persistedDocuments`
// (persisted-documents.json): a JSON object of hash -> document text, the
// hash "sha256:<hex>" for the preset's default algorithm.
//
// The rule is that of @graphql-yoga/plugin-persisted-operations 3.24.x, which
// serves it on the Yoga path (src/plugins/trusted-documents.ts), so a client
// meets the same answers and codes whichever path answers it:
//   - a request with query text: allowed unless TRUSTED_DOCUMENTS_ONLY, then
//     refused `PersistedQueryOnly` (code CANNOT_SEND_PQ_ID_AND_BODY);
//   - else its id (`documentId`, or Apollo's extensions.persistedQuery.sha256Hash
//     with version 1): the manifest's document, or `PersistedQueryNotFound`
//     (PERSISTED_QUERY_NOT_IN_LIST) when the manifest has none;
//   - neither: `PersistedQueryKeyNotFound` (PERSISTED_QUERY_ID_REQUIRED).
// The messages stay the plugin's: Apollo's and urql's persisted-query links
// recognise `PersistedQueryNotFound` by its text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse } from 'graphql';

/** The documents of a manifest, by hash. Read-only after loading. */
export interface TrustedDocuments {
  /** The manifest's absolute path, for log lines. */
  readonly file: string;
  readonly size: number;
  /** The document of `id` (a manifest key, with or without its `sha256:` prefix), or undefined. */
  get(id: string): string | undefined;
  /** Every document's text, for preparing them at start. */
  texts(): IterableIterator<string>;
}

/** A manifest that cannot be used; config.ts reports it as the TRUSTED_DOCUMENTS line. */
export class TrustedDocumentsError extends Error {
  override name = 'TrustedDocumentsError';
}

export type RefusalCode = 'CANNOT_SEND_PQ_ID_AND_BODY' | 'PERSISTED_QUERY_NOT_IN_LIST' | 'PERSISTED_QUERY_ID_REQUIRED';

/** Why a request gets no document, as the plugin answers it (a GraphQL error, HTTP 200 as for our other request errors). */
export interface Refusal {
  readonly refused: true;
  readonly code: RefusalCode;
  readonly message: 'PersistedQueryOnly' | 'PersistedQueryNotFound' | 'PersistedQueryKeyNotFound';
}

export const REFUSALS = {
  persistedOnly: { refused: true, message: 'PersistedQueryOnly', code: 'CANNOT_SEND_PQ_ID_AND_BODY' },
  notFound: { refused: true, message: 'PersistedQueryNotFound', code: 'PERSISTED_QUERY_NOT_IN_LIST' },
  idRequired: { refused: true, message: 'PersistedQueryKeyNotFound', code: 'PERSISTED_QUERY_ID_REQUIRED' },
} as const satisfies Record<string, Refusal>;

export interface TrustedDocumentsPolicy {
  readonly documents: TrustedDocuments;
  /** TRUSTED_DOCUMENTS_ONLY: refuse every request that sends query text. */
  readonly only: boolean;
}

/** The part of a request body the rule reads (the fast path's parsed JSON body fits). */
export interface DocumentParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/**
 * The document a request runs, or why it runs none. For the node:http fast
 * path: call it on the parsed body before parsing the query, and answer a
 * refusal as `{ errors: [{ message, extensions: { code } }] }` (status 200).
 * Null: a query that is not a string, which Yoga answers as it always does.
 */
export function resolveDocument(policy: TrustedDocumentsPolicy, params: DocumentParams): { query: string } | Refusal | null {
  if (params.query) {
    if (policy.only) return REFUSALS.persistedOnly;
    return typeof params.query === 'string' ? { query: params.query } : null;
  }
  const id = documentIdOf(params);
  if (id === null) return REFUSALS.idRequired;
  const query = policy.documents.get(id);
  return query === undefined ? REFUSALS.notFound : { query };
}

/** `documentId` (GraphQL over HTTP's persisted documents), else Apollo's persistedQuery extension (version 1). */
export function documentIdOf(params: DocumentParams): string | null {
  if (typeof params.documentId === 'string' && params.documentId !== '') return params.documentId;
  const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  if (persisted && typeof persisted === 'object' && persisted.version === 1 && typeof persisted.sha256Hash === 'string') return persisted.sha256Hash;
  return null;
}

/**
 * Reads and checks a manifest: a JSON object whose every value is a document
 * that parses and holds an operation. Throws TrustedDocumentsError with a
 * one-line reason.
 */
export function loadTrustedDocuments(file: string): TrustedDocuments {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new TrustedDocumentsError(`cannot read "${file}" (${why}); expected the client preset's persisted-documents.json`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new TrustedDocumentsError(`"${file}" is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new TrustedDocumentsError(`"${file}" must be a JSON object of hash -> document, as the client preset writes it, but holds ${describe(manifest)}`);
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (hash.trim() === '' || /\s/.test(hash)) throw new TrustedDocumentsError(`"${file}" has the hash "${hash}"; a hash must be non-empty, without spaces`);
    if (typeof document !== 'string') throw new TrustedDocumentsError(`"${file}" maps "${hash}" to ${describe(document)}; every value must be a document's text`);
    let hasOperation: boolean;
    try {
      hasOperation = parse(document, { noLocation: true }).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION);
    } catch (error) {
      throw new TrustedDocumentsError(`"${file}": the document of "${hash}" does not parse (${(error as Error).message.split('\n')[0]})`);
    }
    if (!hasOperation) throw new TrustedDocumentsError(`"${file}": the document of "${hash}" holds no operation, only fragments`);
    documents.set(hash, document);
  }
  if (documents.size === 0) throw new TrustedDocumentsError(`"${file}" holds no documents`);
  return Object.freeze({
    file: absolute,
    size: documents.size,
    // GraphQL over HTTP's persisted documents (and so the client preset's sha256 manifest)
    // prefix an id with its algorithm, Apollo's sha256Hash is the bare hex: either finds either.
    get: (id: string) => documents.get(id) ?? documents.get(id.startsWith('sha256:') ? id.slice(7) : `sha256:${id}`),
    texts: () => documents.values(),
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
