// Makes cached responses stale when a mutation through this gateway changes
// what they read. Runs after the mutation's execution (its writes committed),
// and the response waits for it, so the client's next read sees the write.
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MUTATION_EFFECTS, type CachedEntity } from './response-cache.ts';

export function useResponseCacheInvalidation(invalidate: (entities: CachedEntity[]) => void | Promise<void>): Plugin {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (operation?.operation !== 'mutation') return;
      return {
        onExecuteDone() {
          const everything: CachedEntity[] = ['user', 'order', 'product', 'item'];
          const entities = new Set<CachedEntity>();
          for (const selection of operation.selectionSet.selections) {
            // A fragment at the root could name any mutation: assume the worst.
            const effects = selection.kind === 'Field' ? (MUTATION_EFFECTS[selection.name.value] ?? everything) : everything;
            for (const entity of effects) entities.add(entity);
          }
          return invalidate([...entities]);
        },
      };
    },
  };
}
