// What must never reach a client: SQL text, driver error codes, driver or
// query-builder names, stack lines, source paths.
const LEAKS: readonly [string, RegExp][] = [
  ['SQL text', /\bselect\b[\s\S]{0,500}\bfrom\b|\binsert\s+into\b|\bupdate\s+\S+\s+set\b|\bdelete\s+from\b/i],
  ['driver error code', /\bER_[A-Z0-9_]+/],
  ['driver or library name', /\b(mysql2?|mariadb|kysely)\b/i],
  // Inside JSON a stack line follows a quote or an escaped newline.
  ['stack line', /(^|\\n|\n|")\s*at [^\n"]*:\d+:\d+/],
  ['source path', /\.(ts|js|mjs|cjs):\d+|node_modules/],
];

/** Every leak found in `errors`, one entry per error and kind. */
export function findLeaks(errors: readonly unknown[]): { kind: string; error: string }[] {
  const found: { kind: string; error: string }[] = [];
  for (const error of errors) {
    const text = typeof error === 'string' ? error : JSON.stringify(error);
    for (const [kind, pattern] of LEAKS) {
      if (pattern.test(text)) found.push({ kind, error: text.slice(0, 500) });
    }
  }
  return found;
}
