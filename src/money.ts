// Exact money arithmetic on two-decimal strings, through integer cents in
// BigInt: "0.10" x 3 is "0.30", never 0.30000000000000004.

export function toCents(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [units = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const cents = BigInt(units || '0') * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const units = abs / 100n;
  const rest = abs % 100n;
  return `${negative ? '-' : ''}${units}.${rest.toString().padStart(2, '0')}`;
}

export function multiplyMoney(amount: string, quantity: number): string {
  return fromCents(toCents(amount) * BigInt(quantity));
}

export function sumMoney(amounts: readonly string[]): string {
  let total = 0n;
  for (const amount of amounts) total += toCents(amount);
  return fromCents(total);
}
