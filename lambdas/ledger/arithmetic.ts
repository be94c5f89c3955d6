/**
 * Integer arithmetic for the ledger. Amounts are minor units (whatever the currency's minor unit
 * is: cents, or yen for zero-decimal currencies), so no function here knows about currencies.
 * Products go through BigInt: 10^12 minor units × 10,000 basis points is past 2^53.
 */

/** `numerator / denominator` rounded half up (away from zero for halves of positive values). */
const divideHalfUp = (numerator: bigint, denominator: bigint): number => {
  if (denominator <= 0n) throw new Error('divideHalfUp needs a positive denominator');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = (2n * magnitude + denominator) / (2n * denominator);
  return Number(negative ? -rounded : rounded);
};

/** `amount × bps / 10,000`, rounded half up: 12.5 % (1250 bps) of 999 is 124.875 → 125. */
export const applyBasisPoints = (amount: number, bps: number): number => divideHalfUp(BigInt(amount) * BigInt(bps), 10_000n);

/** `value × part / whole`, rounded half up: the share of a commission that a refund takes back. */
export const proportion = (value: number, part: number, whole: number): number =>
  divideHalfUp(BigInt(value) * BigInt(part), BigInt(whole));

/**
 * Splits `total` over `weights` in proportion, exactly: each share is rounded down and the units
 * left over go to the largest remainders (ties to the earlier weight), so the shares add up to
 * `total`. Used to scale an invoice's lines to what was actually paid.
 */
export const allocate = (total: number, weights: readonly number[]): number[] => {
  const sum = weights.reduce((acc, weight) => acc + weight, 0);
  if (sum === 0) return weights.map(() => 0);
  const exact = weights.map((weight) => BigInt(total) * BigInt(weight));
  const shares = exact.map((product) => Number(product / BigInt(sum)));
  let left = total - shares.reduce((acc, share) => acc + share, 0);
  const byRemainder = exact
    .map((product, index) => ({ index, remainder: product % BigInt(sum) }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    shares[index] = (shares[index] as number) + 1;
    left -= 1;
  }
  return shares;
};

const day = 86_400_000;

/** `count` calendar months after `at` (UTC), keeping the day where the month has it, else its last day. */
export const addMonths = (at: Date, count: number): Date => {
  const target = at.getUTCMonth() + count;
  const year = at.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(year, month, Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds()),
  );
};

export const addDays = (at: Date, days: number): Date => new Date(at.getTime() + days * day);
