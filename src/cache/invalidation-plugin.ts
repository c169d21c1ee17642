// Drops cached responses when a mutation through this gateway changes what
// they read. Runs after the mutation's execution, so the next read sees the
// committed state.
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MUTATION_EFFECTS, type CachedEntity } from './response-cache.ts';

export function useResponseCacheInvalidation(invalidate: (entities: CachedEntity[]) => void): Plugin {
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
          invalidate([...entities]);
        },
      };
    },
  };
}
