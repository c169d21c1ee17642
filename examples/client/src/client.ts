// The urql client: @urql/core takes the client preset's typed documents and
// infers each result's and variables' types from them. With `hashes`, the
// persisted exchange sends each document's hash (embedded by the preset as
// document.__meta__.hash) in Apollo's persistedQuery extension instead of its
// text, as a gateway with TRUSTED_DOCUMENTS_ONLY=true requires; mutations too.
import { Client, fetchExchange, type Exchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';

export function createClient(url: string, options: { hashes: boolean }): Client {
  const exchanges: Exchange[] = [];
  if (options.hashes) {
    exchanges.push(
      persistedExchange({
        // Never fall back to sending the text: the gateway holds every document already.
        enforcePersistedQueries: true,
        enableForMutation: true,
        // A hash the document does not carry would be a build mistake: say so rather than send text.
        generateHash: async (_text, document) => {
          const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
          if (!hash) throw new Error('a document without __meta__.hash: run `npm run codegen`');
          return hash;
        },
      }),
    );
  }
  // No cache exchange: a command-line program asks each thing once, and every answer is fresh.
  exchanges.push(fetchExchange);
  return new Client({ url, exchanges, requestPolicy: 'network-only', preferGetMethod: false });
}
