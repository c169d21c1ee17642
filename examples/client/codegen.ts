// GraphQL Code Generator's client preset over the gateway's SDL (schema/) and
// the documents in src/documents.ts: typed documents in src/gql/, and with
// `persistedDocuments` the manifest src/gql/persisted-documents.json
// (hash -> document) that a gateway serves with TRUSTED_DOCUMENTS.
// `npm run codegen` at the repository root writes it (paths are relative to
// the root); a test proves the committed files are in step with schema/.
import type { CodegenConfig } from '@graphql-codegen/cli';

export const clientCodegenConfig: CodegenConfig = {
  schema: 'schema/*.graphql',
  documents: ['examples/client/src/**/*.ts', '!examples/client/src/gql/**'],
  // A document that does not match the schema fails generation, and so CI.
  ignoreNoDocuments: false,
  generates: {
    'examples/client/src/gql/': {
      preset: 'client',
      presetConfig: {
        // Components, here functions, see only the fields their fragment selects.
        fragmentMasking: { unmaskFunctionName: 'getFragmentData' },
        // sha256 of each document's text, the hash Apollo's persistedQuery extension names.
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', ID: 'string' },
      },
    },
  },
  // `.js` extensions on the generated relative imports, as Node's ESM resolution wants them.
  emitLegacyCommonJSImports: false,
};

export default clientCodegenConfig;
