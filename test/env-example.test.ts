// .env.example and src/config.ts cannot drift: every variable loadConfig reads
// is listed, every listed one is read, each says what it means, and the values
// written there are the defaults (loading them gives the same Config as an empty
// environment). Reads are recorded with a Proxy environment three times: empty,
// with the file's defaults, and with its `Example:` values (so a variable read
// only when another is set, e.g. an option of REDIS_URL, is seen too).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { readEnvExample, variablesReadBy, type ExampleVariable } from './support/env-example.ts';

const listed = readEnvExample();
const byName = new Map(listed.map((v) => [v.name, v]));
const defaults = Object.fromEntries(listed.map((v) => [v.name, v.value]));
const examples = { ...defaults, ...Object.fromEntries(listed.filter((v) => v.example !== null).map((v) => [v.name, v.example!])) };

describe('.env.example', () => {
  it('lists every variable src/config.ts reads, and none it does not', () => {
    const read = new Set([...variablesReadBy({}), ...variablesReadBy(defaults), ...variablesReadBy(examples)]);
    const unlisted = [...read].filter((name) => !byName.has(name)).sort();
    const unread = listed.filter((v) => !read.has(v.name));
    const problems = [
      ...unlisted.map((name) => `src/config.ts reads ${name}, but .env.example does not list it: add a comment saying what it means and a line ${name}=<its default>`),
      ...unread.map((v) => `.env.example lists ${v.name} (line ${v.line}), but src/config.ts never reads it: remove the line, or read it in loadConfig`),
    ];
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('lists each variable once, after a comment saying what it means', () => {
    const seen = new Map<string, ExampleVariable>();
    const problems: string[] = [];
    for (const v of listed) {
      const first = seen.get(v.name);
      if (first) problems.push(`.env.example lists ${v.name} twice (lines ${first.line} and ${v.line})`);
      seen.set(v.name, v);
      if (v.meaning.length < 10) problems.push(`.env.example line ${v.line}: ${v.name} needs a comment line above it saying what it means`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('gives the defaults: loading its values is the same as loading nothing', () => {
    const fromFile = loadConfig(defaults);
    const fromNothing = loadConfig({});
    const differing = listed.filter((v) => {
      const alone = loadConfig({ [v.name]: v.value });
      return JSON.stringify(alone) !== JSON.stringify(fromNothing);
    });
    expect(
      differing.map((v) => `.env.example says ${v.name}=${v.value} (line ${v.line}), but that is not src/config.ts's default`),
    ).toEqual([]);
    expect(fromFile).toEqual(fromNothing);
  });

  it('has Example values the gateway accepts, each changing the config', () => {
    expect(() => loadConfig(examples)).not.toThrow();
    const fromNothing = JSON.stringify(loadConfig({}));
    for (const v of listed.filter((x) => x.example !== null)) {
      // Put back to its default among the other examples: the config changes, or is refused
      // because another example needs this one (TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS).
      let changed: boolean;
      try {
        changed = JSON.stringify(loadConfig({ ...examples, [v.name]: v.value })) !== JSON.stringify(loadConfig(examples));
      } catch {
        changed = true;
      }
      expect(changed, `.env.example's Example for ${v.name} (${v.example}) is its default, so it shows nothing`).toBe(true);
    }
    expect(JSON.stringify(loadConfig(examples))).not.toBe(fromNothing);
  });
});
