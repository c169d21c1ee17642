// parseId (src/values.ts): its fast path for the usual id gives what its
// definition gives (the canonical decimal of a BIGINT UNSIGNED), and every
// other text is refused or canonicalised as before.
import { describe, expect, it } from 'vitest';
import { MAX_ID, parseId } from '../src/values.ts';

/** The definition: 1-20 digits within BIGINT UNSIGNED, answered in canonical form. */
function byDefinition(value: string): string | 'refused' {
  return /^\d{1,20}$/.test(value) && BigInt(value) <= MAX_ID ? BigInt(value).toString() : 'refused';
}

const attempt = (value: string) => {
  try {
    return parseId(value);
  } catch {
    return 'refused';
  }
};

describe('parseId', () => {
  it('agrees with its definition on usual ids, edges and malformed text', () => {
    const cases = ['0', '7', '42', '100', '999999999999999', '123456789012345', '1234567890123456', '007', '00', '0042', '18446744073709551615', '18446744073709551616',
      '99999999999999999999', '', ' 1', '1 ', '4a', '-1', '+1', '1.0', '1e3', '０', '٣', '12345678901234567890123'];
    // Ids of every length, from a fixed sequence.
    let x = 12345n;
    for (let i = 0; i < 2000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      cases.push((x % 10n ** BigInt(1 + (i % 20))).toString());
    }
    for (const value of cases) expect(attempt(value), JSON.stringify(value)).toBe(byDefinition(value));
  });

  it('names the argument in its refusal', () => {
    expect(() => parseId('x', 'filter.userId')).toThrow(/filter\.userId must be a decimal id/);
  });
});
