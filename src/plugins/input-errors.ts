// graphql-js reports a variable that does not fit its type (an Int past 32
// bits, a string for a number, a missing required field) with no
// extensions.code. The contract promises BAD_USER_INPUT for invalid argument
// values, so those errors get the code here, once for every input.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const VARIABLE_ERROR = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;

export function useInputErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          const single = result as ExecutionResult;
          if (!single.errors?.length || single.data !== undefined) return;
          if (!single.errors.some(needsCode)) return;
          setResult({ ...single, errors: single.errors.map((error) => (needsCode(error) ? withCode(error) : error)) });
        },
      };
    },
  };
}

function needsCode(error: GraphQLError): boolean {
  return error.extensions?.code === undefined && VARIABLE_ERROR.test(error.message);
}

function withCode(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}
