// Reads .env.example: `NAME=default` lines, each after the comment lines that
// say what it means; a comment line `# Example: VALUE` gives a typical
// non-default value. Also records which variables loadConfig reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';

export const ENV_EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.env.example');

export interface ExampleVariable {
  readonly name: string;
  /** The default as written ('' = unset). */
  readonly value: string;
  /** The comment lines above it, without `#` and without Example lines. */
  readonly meaning: string;
  readonly example: string | null;
  readonly line: number;
}

/** The variables of .env.example, in file order; throws on a line that is neither comment, blank nor NAME=value. */
export function readEnvExample(file = ENV_EXAMPLE): ExampleVariable[] {
  const variables: ExampleVariable[] = [];
  let comments: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const text = raw.trim();
      if (text === '') {
        comments = [];
        return;
      }
      if (text.startsWith('#')) {
        comments.push(text.replace(/^#\s?/, ''));
        return;
      }
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(text);
      if (!match) throw new Error(`.env.example line ${index + 1} is not NAME=value: ${raw}`);
      const example = comments.find((c) => c.startsWith('Example: '))?.slice('Example: '.length).trim() ?? null;
      const meaning = comments.filter((c) => !c.startsWith('Example: ')).join(' ').trim();
      variables.push({ name: match[1]!, value: match[2]!, meaning, example, line: index + 1 });
      comments = [];
    });
  return variables;
}

/** The variable names loadConfig reads (get, `in`, or a descriptor lookup) from `env`. */
export function variablesReadBy(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const note = (key: string | symbol) => {
    if (typeof key === 'string') read.add(key);
  };
  const recorder = new Proxy(env, {
    get(target, key) {
      note(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      note(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  loadConfig(recorder);
  return read;
}
