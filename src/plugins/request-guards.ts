// Request parameters a client can get wrong in ways that used to reach an
// unexpected error (or a different answer on each path), refused here with a
// client error before any parse or SQL:
//   - GET (and form-encoded POST) `variables` / `extensions` that are not
//     JSON: Yoga's parser let JSON.parse's SyntaxError through, answered as
//     "Unexpected error." with a stack in the log; now 400 BAD_REQUEST.
//   - variables or extensions nested deeper than MAX_NESTING: QUERY_TOO_COMPLEX
//     (see guards/nesting.ts for why).
//   - variables named like Object.prototype's members (`$constructor`,
//     `$toString`): graphql-jit reads them off the prototype when the client
//     sent none ("got invalid value [function Object]"); the variables are
//     handed on as an object without a prototype.
// The compiled fast path declines the same requests (http/fast-path.ts
// parseParams), so Yoga answers them there too.
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { MAX_NESTING, tooDeep, valueNesting } from '../guards/nesting.ts';

export function useRequestGuards(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof SyntaxError && !(error instanceof GraphQLError)) {
            throw createGraphQLError(
              'The variables or extensions parameter is not valid JSON; send a JSON object, URL-encoded (e.g. variables=%7B%22id%22%3A%2242%22%7D).',
              { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
            );
          }
          throw error;
        }
      });
    },
    onParams({ params, setParams, setResult }) {
      const refusal = paramsRefusal(params.variables, params.extensions);
      if (refusal) return setResult({ errors: [refusal] });
      // Absent variables too: graphql-jit reads `$constructor` off the `{}` it would use instead.
      const variables = params.variables ?? {};
      if (typeof variables === 'object' && !Array.isArray(variables) && Object.getPrototypeOf(variables) !== null) {
        setParams({ ...params, variables: withoutPrototype(variables) });
      }
    },
  };
}

/**
 * QUERY_TOO_COMPLEX for variables or extensions nested deeper than
 * MAX_NESTING, else null; answered with the status of a parse error (400 for
 * application/graphql-response+json, 200 for application/json).
 */
export function paramsRefusal(variables: unknown, extensions: unknown): GraphQLError | null {
  const variablesDepth = valueNesting(variables);
  const extensionsDepth = variablesDepth > MAX_NESTING ? 0 : valueNesting(extensions);
  if (variablesDepth <= MAX_NESTING && extensionsDepth <= MAX_NESTING) return null;
  const error = variablesDepth > MAX_NESTING ? tooDeep(variablesDepth, 'variables') : tooDeep(extensionsDepth, 'extensions');
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { spec: true, status: 400 } } });
}

/** A shallow copy without a prototype, so a variable the client did not send reads as absent. */
export function withoutPrototype(values: object): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, values);
}
