// A bound on how deeply a request nests, checked before anything recurses
// over it. graphql-js parses, validates and executes recursively: a list
// literal 3,000 brackets deep (`search: [[[[...]]]]`) overflows the parser's
// stack, and a chain of thousands of fragments each spreading the next
// overflows validation (NoFragmentCycles, OverlappingFieldsCanBeMerged) and
// our own shape and cost walks. A RangeError there is answered "Unexpected
// error." with a stack trace in the log; this module refuses such a request
// with QUERY_TOO_COMPLEX instead, from one pass over the lexer's tokens (the
// lexer itself is a loop, so it cannot overflow) and an iterative walk.
//
// Used by the limits plugin's parse (the Yoga path) and by the compiled
// path's document(), so both refuse (the compiled path declines, and Yoga
// answers) the same documents. Variables are bounded here too: JSON.parse is
// iterative in V8, but anything that walks the parsed value recursively
// (JSON.stringify for a cache key, a log serializer) is not.
import { Lexer, Source, TokenKind, parse, type DocumentNode, type ParseOptions } from 'graphql';
import { QueryTooComplexError } from '../errors.ts';

/**
 * The deepest nesting admitted: brackets, braces and parentheses, with each
 * fragment spread counting as one more level plus the fragment's own nesting.
 * GraphiQL's introspection query nests 18 deep this way; graphql-js's parser
 * overflows somewhere past 1,000 (less when called from deep in a stack).
 * Not configurable: it protects the process, not a policy (MAX_QUERY_DEPTH is
 * the policy, and above ~95 this bound refuses first).
 */
export const MAX_NESTING = 100;

const OPEN = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSE = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

interface Definition {
  /** Deepest bracket nesting inside the definition. */
  depth: number;
  /** Fragment spreads inside it, with the bracket depth each sits at. */
  spreads: { name: string; depth: number }[];
}

/**
 * The document's nesting as MAX_NESTING measures it, or null when the text
 * does not lex or has more than `maxTokens` tokens (parse() then reports
 * that; the scan stops there, so its cost stays bounded by the token limit).
 * Stops early, returning a value over `max`, once the brackets alone pass it.
 */
export function documentNesting(text: string, options: { maxTokens?: number; max?: number } = {}): number | null {
  const max = options.max ?? MAX_NESTING;
  const maxTokens = options.maxTokens ?? Infinity;
  const lexer = new Lexer(new Source(text));
  const operations: Definition[] = [];
  const fragments = new Map<string, Definition>();
  let current: Definition | null = null;
  let depth = 0;
  let tokens = 0;
  // 'fragment' seen at the top level: the next name is the fragment's.
  let fragmentName = false;
  let afterSpread = false;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) return null;
      const kind = token.kind;
      if (current === null) {
        // Between definitions: this token starts one.
        if (kind === TokenKind.NAME && token.value === 'fragment') {
          fragmentName = true;
          current = { depth: 0, spreads: [] };
          continue;
        }
        current = { depth: 0, spreads: [] };
        operations.push(current);
      } else if (fragmentName) {
        fragmentName = false;
        if (kind === TokenKind.NAME) fragments.set(token.value, current);
      }
      if (afterSpread) {
        afterSpread = false;
        if (kind === TokenKind.NAME && token.value !== 'on') current.spreads.push({ name: token.value, depth });
      }
      if (OPEN.has(kind)) {
        depth++;
        if (depth > current.depth) current.depth = depth;
        if (depth > max) return depth;
      } else if (CLOSE.has(kind)) {
        depth = Math.max(0, depth - 1);
        if (depth === 0 && kind === TokenKind.BRACE_R) current = null;
      } else if (kind === TokenKind.SPREAD) {
        afterSpread = true;
      }
    }
  } catch {
    return null; // a syntax error: parse() reports it
  }
  return deepestWithFragments(operations, fragments, max);
}

/** Throws QUERY_TOO_COMPLEX when `text` nests deeper than MAX_NESTING (see documentNesting). */
export function assertNesting(text: string, options: { maxTokens?: number } = {}): void {
  const nesting = documentNesting(text, options);
  if (nesting !== null && nesting > MAX_NESTING) throw tooDeep(nesting, 'document');
}

/** graphql's parse(), refusing first what nests deeper than MAX_NESTING. */
export function parseWithinNesting(text: string, options: ParseOptions = {}): DocumentNode {
  assertNesting(text, { maxTokens: options.maxTokens });
  return parse(text, options);
}

/**
 * How deep `value` (a request's variables or extensions, as JSON.parse made
 * them) nests, counting each array or object one level; stops once past
 * `max`. Iterative, so it cannot overflow whatever it is given.
 */
export function valueNesting(value: unknown, max = MAX_NESTING): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, level] = stack.pop()!;
    if (level > deepest) {
      deepest = level;
      if (deepest > max) return deepest;
    }
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, level + 1]);
    }
  }
  return deepest;
}

export function tooDeep(nesting: number, what: 'document' | 'variables' | 'extensions'): QueryTooComplexError {
  const shown = nesting > MAX_NESTING ? `more than ${MAX_NESTING}` : String(nesting);
  return new QueryTooComplexError(
    `The ${what === 'document' ? 'query' : what} nests ${shown} levels deep (brackets, braces and fragment spreads), more than the limit of ${MAX_NESTING}.`,
    what === 'document' ? 'nesting' : `${what}Nesting`,
    nesting,
    MAX_NESTING,
  );
}

/**
 * The deepest operation once its fragments are inlined: a spread at depth d
 * of a fragment nesting n counts d + n (one level for the spread itself, so
 * a chain of spreads that adds no brackets still counts). Walked with an
 * explicit stack; a fragment spread again on the current path (a cycle,
 * which validation refuses) or an unknown one counts as nothing, and each
 * fragment is measured once, so the walk is linear in the spreads.
 */
function deepestWithFragments(operations: Definition[], fragments: Map<string, Definition>, max: number): number {
  const measured = new Map<string, number>();
  const onPath = new Set<string>();

  const measure = (root: Definition): number => {
    type Frame = { name: string | null; definition: Definition; next: number; best: number };
    const stack: Frame[] = [{ name: null, definition: root, next: 0, best: root.depth }];
    let result = 0;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.definition.spreads.length) {
        const spread = frame.definition.spreads[frame.next++]!;
        const known = measured.get(spread.name);
        if (known !== undefined) {
          frame.best = Math.max(frame.best, spread.depth + known);
          continue;
        }
        const target = fragments.get(spread.name);
        if (!target || onPath.has(spread.name)) continue;
        // Deeper than the limit along this path already: no need to go on.
        if (stack.length > max) return max + 1;
        onPath.add(spread.name);
        stack.push({ name: spread.name, definition: target, next: 0, best: target.depth });
        continue;
      }
      stack.pop();
      if (frame.name !== null) {
        onPath.delete(frame.name);
        measured.set(frame.name, frame.best);
        const parent = stack[stack.length - 1]!;
        const spread = parent.definition.spreads[parent.next - 1]!;
        parent.best = Math.max(parent.best, spread.depth + frame.best);
      } else {
        result = frame.best;
      }
    }
    return result;
  };

  let deepest = 0;
  for (const operation of operations) deepest = Math.max(deepest, measure(operation));
  // A fragment no operation uses is still validated, recursively.
  for (const [name, fragment] of fragments) if (!measured.has(name)) deepest = Math.max(deepest, measure(fragment));
  return deepest;
}
