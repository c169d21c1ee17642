// Resolvers shared by every domain: scalars and PageInfo/edges of connections.
import { endCursor, startCursor, toEdges, type Connection } from './connections.ts';
import type { OrderRow, ProductRow, UserRow } from './db/database.ts';
import type { Resolvers } from './generated/graphql.ts';
import { DateTimeScalar, DecimalScalar } from './scalars.ts';

/** edges, nodes, pageInfo and totalCount of any connection (jobs use it too). */
export function connectionFields<Row extends { id: string }>() {
  return {
    edges: (c: Connection<Row>) => toEdges(c),
    nodes: (c: Connection<Row>) => c.rows,
    pageInfo: (c: Connection<Row>) => c as Connection<unknown>,
    totalCount: (c: Connection<Row>) => c.totalCount(),
  };
}

export const commonResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Decimal: DecimalScalar,
  PageInfo: {
    hasNextPage: (c) => c.hasNextPage,
    hasPreviousPage: (c) => c.hasPreviousPage(),
    startCursor: (c) => startCursor(c as Connection<{ id: string }>),
    endCursor: (c) => endCursor(c as Connection<{ id: string }>),
  },
  UserConnection: connectionFields<UserRow>(),
  OrderConnection: connectionFields<OrderRow>(),
  ProductConnection: connectionFields<ProductRow>(),
};
