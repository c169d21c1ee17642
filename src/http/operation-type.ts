// Whether a request would run a mutation, known before parsing, so the rate
// limit can count it against the mutation budget before any GraphQL work.
// A text without the word "mutation" runs none (the keyword cannot be
// spelled any other way); otherwise the lexer finds each top-level
// operation's type and name. When it cannot tell (a syntax error, a scan cut
// short, an operation name that is not there), it says "mutation": that
// costs the client one unit of the smaller budget, never lets a mutation
// pass as a query.
import { Lexer, Source, TokenKind } from 'graphql';

export function isMutationRequest(query: unknown, operationName: unknown, maxTokens = 2000): boolean {
  if (typeof query !== 'string' || !/\bmutation\b/.test(query)) return false;
  const operations: { type: string; name: string | null }[] = [];
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  let tokens = 0;
  let current: { type: string; name: string | null } | null = null;
  let expectName = false;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) return true;
      const kind = token.kind;
      if (depth === 0 && kind === TokenKind.NAME && current === null) {
        if (token.value === 'fragment') current = { type: 'fragment', name: null };
        else operations.push((current = { type: token.value, name: null }));
        expectName = true;
        continue;
      }
      if (depth === 0 && kind === TokenKind.BRACE_L && current === null) operations.push((current = { type: 'query', name: null }));
      if (expectName) {
        expectName = false;
        if (kind === TokenKind.NAME && current) current.name = token.value;
      }
      if (kind === TokenKind.BRACE_L || kind === TokenKind.BRACKET_L || kind === TokenKind.PAREN_L) depth++;
      else if (kind === TokenKind.BRACE_R || kind === TokenKind.BRACKET_R || kind === TokenKind.PAREN_R) {
        depth = Math.max(0, depth - 1);
        if (depth === 0 && kind === TokenKind.BRACE_R) current = null;
      }
    }
  } catch {
    return true;
  }
  const chosen =
    typeof operationName === 'string' && operationName !== ''
      ? operations.filter((op) => op.name === operationName)
      : operations.length === 1
        ? operations
        : [];
  return chosen.length === 1 ? chosen[0]!.type === 'mutation' : operations.some((op) => op.type === 'mutation');
}
