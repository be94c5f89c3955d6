import { exactSum, type Money } from '../core/money';

/**
 * Counters as stored: flat attribute name → integer. One attribute per figure and currency
 * (`salesAmount_usd`), because DynamoDB's ADD cannot create a nested map's parent, and a flat name
 * lets the first sale in a new currency start its own counter in the same update.
 */
export type CounterFields = Record<string, number>;

const countFields = ['salesCount', 'refundsCount', 'cancellations', 'visits', 'leads', 'newAffiliates'] as const;
const amountFields = ['salesAmount', 'refundsAmount', 'commissionsEarned', 'commissionsReversed'] as const;
export type AmountField = (typeof amountFields)[number];

const amountPattern = new RegExp(`^(${amountFields.join('|')})_([a-z]{3})$`);
const countFieldSet: ReadonlySet<string> = new Set(countFields);

export const amountField = (field: AmountField, currency: string): string => `${field}_${currency}`;

/** The counter attributes of a stored item, without its keys and labels. */
export const counterFieldsOf = (item: Record<string, unknown>): CounterFields => {
  const fields: CounterFields = {};
  for (const [name, value] of Object.entries(item))
    if (typeof value === 'number' && (countFieldSet.has(name) || amountPattern.test(name))) fields[name] = value;
  return fields;
};

/** Adds `more` into `into` (mutating it) and returns it: counters only ever add up, exactly. */
export const addFields = (into: CounterFields, more: CounterFields): CounterFields => {
  for (const [name, value] of Object.entries(more)) into[name] = exactSum(into[name] ?? 0, value, `Counter ${name}`);
  return into;
};

/** One figure's amounts per currency, currencies in alphabetical order, zero amounts left out. */
export const amountsOf = (fields: CounterFields, field: AmountField): Money[] =>
  Object.entries(fields)
    .flatMap(([name, amount]) => {
      const match = amountPattern.exec(name);
      return match?.[1] === field && amount !== 0 ? [{ amount, currency: match[2] as string }] : [];
    })
    .sort((a, b) => a.currency.localeCompare(b.currency));

/** Earned minus reversed, per currency; negative when a period took back more than it earned. */
export const netAmounts = (earned: Money[], reversed: Money[]): Money[] => {
  const name = (currency: string) => `Counter commissions_${currency}`;
  const net = new Map(earned.map((money) => [money.currency, exactSum(0, money.amount, name(money.currency))]));
  for (const money of reversed) net.set(money.currency, exactSum(net.get(money.currency) ?? 0, -money.amount, name(money.currency)));
  return [...net]
    .filter(([, amount]) => amount !== 0)
    .map(([currency, amount]) => ({ amount, currency }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
};
