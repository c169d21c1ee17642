// Trusted documents on the Yoga path: @graphql-yoga/plugin-persisted-operations
// over the manifest of TRUSTED_DOCUMENTS, with the id taken as
// src/http/trusted-documents.ts takes it (so the node:http fast path, which
// calls resolveDocument there, follows the same rule) plus `documentId` in a
// GET request's query string, which Yoga's GET parser does not pass on.
// Runs in onParams, before anything is parsed; the refusals are the plugin's own.
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { documentIdOf, type DocumentParams, type TrustedDocumentsPolicy } from '../http/trusted-documents.ts';

export function useTrustedDocuments(policy: TrustedDocumentsPolicy): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => policy.documents.get(id) ?? null,
    allowArbitraryOperations: !policy.only,
    extractPersistedOperationId: (params, request) => documentIdOf(params as DocumentParams) ?? documentIdInUrl(request),
  }) as Plugin;
}

function documentIdInUrl(request: Request): string | null {
  if (request.method !== 'GET') return null;
  const search = request.url.indexOf('?');
  return search === -1 ? null : new URLSearchParams(request.url.slice(search + 1)).get('documentId') || null;
}
