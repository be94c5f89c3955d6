import fc from 'fast-check';
import { httpRoutes } from '../../lambdas/functions';
import { tableDesign } from '../../lambdas/store/table';
import { api } from '../support/api';
import { createAffiliate, createPlan, unique } from '../support/factories';
import { delivered, on, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { stack } from '../support/stack';
import { emulator, postEvent, processedRecord, signPayload, stripeEvent, webhookSecret } from '../support/stripe';

/**
 * Whatever a client sends as `cursor` or `limit` to a list, and whatever a holder of the signing
 * secret signs, the answer is a 400, never a 5xx; and a list's own cursors keep working.
 *
 * Replay a failure with the seed and path fast-check prints:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx jest test/integration/fuzz-lists --selectProjects integration
 */

const runs = 40;
const replay = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {};

type Query = Record<string, string>;

/** One way of listing: a route with its filters; variants with the same `positions` read the same key range, so they share cursors. */
interface Variant {
  path: string;
  query: Query;
  positions: string;
}

/** Every GET list route of the catalogue: the functions named `list-…`. */
const listPaths = httpRoutes.filter((route) => route.method === 'GET' && route.handler.startsWith('list-')).map((route) => route.path);

const commissionStatuses = ['pending', 'held', 'approved', 'reversed', 'paid'];

/** The filters of each list route; a new list route fails the first test until it is added here. */
const variantsOf = (affiliateId: string): Record<string, Variant[]> => {
  const variant = (path: string, query: Query, positions = `${path} ${JSON.stringify(query)}`): Variant => ({ path, query, positions });
  return {
    '/v1/affiliates': [variant('/v1/affiliates', {}), variant('/v1/affiliates', { status: 'active' }), variant('/v1/affiliates', { status: 'archived' })],
    '/v1/commission-plans': [variant('/v1/commission-plans', {})],
    '/v1/purchases': [variant('/v1/purchases', { mode: 'test' }), variant('/v1/purchases', {})],
    '/v1/commissions': [
      variant('/v1/commissions', { mode: 'test' }),
      variant('/v1/commissions', {}),
      ...commissionStatuses.map((status) => variant('/v1/commissions', { mode: 'test', status })),
      variant('/v1/commissions', { mode: 'test', affiliateId }),
      ...commissionStatuses.map((status) => variant('/v1/commissions', { mode: 'test', affiliateId, status })),
    ],
    // A filter on the payouts' own partition: with or without it, the positions are the same.
    '/v1/payouts': [variant('/v1/payouts', { mode: 'test' }, 'payouts'), variant('/v1/payouts', { mode: 'test', affiliateId }, 'payouts')],
    '/v1/merchant/users': [variant('/v1/merchant/users', {})],
  };
};

const list = (merchant: SellingMerchant, variant: Variant, page: Query = {}) =>
  api('GET', variant.path, { key: merchant.apiKey, query: { ...variant.query, ...page } });

// ── Cursors ─────────────────────────────────────────────────────────────────────────────────

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (cursor: string): unknown => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
const decodeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};
/** What a cursor says, for a failure's message. */
const decodeSafely = (cursor: string): unknown => decodeJson(Buffer.from(cursor, 'base64url').toString('utf8')) ?? cursor.slice(0, 200);

const keyNames = [...new Set([tableDesign.partitionKey, tableDesign.sortKey, ...tableDesign.indexes.flatMap((index) => [index.partitionKey, index.sortKey])])];

/** Values DynamoDB does not take as a string key, or that no position of Tally's can hold. */
const notAKey = fc.oneof(
  fc.constant(''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant('x'.repeat(2049)),
);

/** Objects with key names (and others) that belong to no list: their partition is made up. */
const madeUpPosition = fc.dictionary(fc.oneof(fc.constantFrom(...keyNames), fc.string({ maxLength: 8 })), fc.oneof(fc.string({ unit: 'binary' }), notAKey), {
  maxKeys: 8,
});

/** A sharded list's cursor holds a position, `null` or `done` per shard; at least one of these is none of them. */
const madeUpShards = fc
  .array(fc.oneof(madeUpPosition, fc.constant(null), fc.constant('done'), fc.string({ maxLength: 6 }), fc.integer(), fc.array(fc.string(), { maxLength: 2 })), {
    maxLength: 12,
  })
  .filter((shards) => shards.some((shard) => shard !== null && shard !== 'done'));

type Position = Record<string, unknown>;
const isPositionObject = (value: unknown): value is Position => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object positions of a decoded cursor: itself, or the shards' that are not `null` or `done`. */
const objectPositions = (decoded: unknown): Position[] => (Array.isArray(decoded) ? decoded.filter(isPositionObject) : isPositionObject(decoded) ? [decoded] : []);

type Change = (decoded: unknown) => void;

/** A real cursor with a change, made to a fresh copy of what it decodes to. */
const changed = (cursor: string, change: fc.Arbitrary<Change>): fc.Arbitrary<string> =>
  change.map((apply) => {
    const decoded = decode(cursor);
    apply(decoded);
    return encode(decoded);
  });

/** A change to the `index`th object position of a decoded cursor. */
const atPosition = (index: number, change: (position: Position) => void): Change => (decoded) => change(objectPositions(decoded)[index] as Position);

/** The changes a real cursor's shape allows: per object position, per attribute; per shard if sharded. */
const shapeOf = (cursor: string) => {
  const decoded = decode(cursor);
  return { positions: objectPositions(decoded).map((position) => Object.keys(position)), shards: Array.isArray(decoded) ? decoded.length : 0 };
};

/** A real cursor broken in one place, so that it is no position of any list: an attribute of a position, or the list of shards. */
const brokenRealCursor = (cursor: string): fc.Arbitrary<string> => {
  const { positions, shards } = shapeOf(cursor);
  const positionChanges = positions.flatMap((names, index) => [
    fc.constantFrom(...names).map((name) => atPosition(index, (position) => delete position[name])),
    fc.tuple(fc.constantFrom(...names), notAKey).map(([name, value]) => atPosition(index, (position) => (position[name] = value))),
    fc
      .tuple(fc.oneof(fc.constantFrom(...keyNames), fc.string({ minLength: 1, maxLength: 8 })).filter((name) => !names.includes(name) && name !== '__proto__'), fc.string())
      .map(([name, value]) => atPosition(index, (position) => (position[name] = value))),
  ]);
  const shardChanges: fc.Arbitrary<Change>[] = shards
    ? [
        fc.constant((decoded: unknown) => (decoded as unknown[]).push(null)),
        fc.constant((decoded: unknown) => (decoded as unknown[]).pop()),
        fc
          .tuple(fc.nat({ max: shards - 1 }), fc.oneof(fc.string({ maxLength: 6 }).filter((value) => value !== 'done'), fc.integer(), fc.constant([])))
          .map(([shard, value]) => (decoded: unknown) => ((decoded as unknown[])[shard] = value)),
      ]
    : [];
  return changed(cursor, fc.oneof(...positionChanges, ...shardChanges));
};

/** Cursors no list gave out: garbage, JSON of any kind, made-up positions, broken and cut real ones, huge ones. */
const malformedCursor = (own: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
    fc.jsonValue({ maxDepth: 3 }).map(encode),
    madeUpPosition.map(encode),
    madeUpShards.map(encode),
    fc.integer({ min: 6145, max: 9000 }).map((length) => 'A'.repeat(length)),
    fc.constant(Buffer.from(`${'['.repeat(2000)}${']'.repeat(2000)}`).toString('base64url')),
    ...own.flatMap((cursor) => [brokenRealCursor(cursor), fc.integer({ min: 1, max: cursor.length - 1 }).map((cut) => cursor.slice(0, cut))]),
  );

/**
 * Real cursors changed where a well-formed position may still result: values appended to or put in
 * place of a key (odd characters, lone surrogates, NUL), shards swapped between `null` and `done`,
 * characters replaced. Each is a 400, or a page of this list if it still names a position in it.
 */
const oddRealCursor = (cursor: string): fc.Arbitrary<string> => {
  const { positions, shards } = shapeOf(cursor);
  const oddText = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.constantFrom('\ud800', '\udfff', '\u0000', '~', '\uffff', '😀'));
  const keyChanges = positions.map((names, index) =>
    fc.tuple(fc.constantFrom(...names), oddText, fc.boolean()).map(([name, text, append]) =>
      atPosition(index, (position) => (position[name] = append ? `${String(position[name])}${text}` : text)),
    ),
  );
  const shardChanges = shards
    ? [fc.tuple(fc.nat({ max: shards - 1 }), fc.constantFrom(null, 'done')).map(([shard, value]): Change => (decoded) => ((decoded as unknown[])[shard] = value))]
    : [];
  return changed(cursor, fc.oneof(...keyChanges, ...shardChanges));
};

const flippedByte = (cursor: string) =>
  fc.tuple(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')).map(
    ([at, char]) => `${cursor.slice(0, at)}${char}${cursor.slice(at + 1)}`,
  );

/** Anything `limit` may be sent as that is not a whole number from 1 to 100. */
const badLimit = fc.oneof(
  fc.integer({ max: 0 }).map(String),
  fc.integer({ min: 101 }).map(String),
  fc.double({ noNaN: true }).filter((value) => !Number.isInteger(value)).map(String),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '1e3', 'ten', '1,2', '[1]', '{"a":1}', '0x0', '101.5'),
  fc.string({ unit: 'binary', maxLength: 20 }).filter((text) => {
    const value = Number(text);
    return !(Number.isInteger(value) && value >= 1 && value <= 100);
  }),
);

const expectRefused = (response: { status: number; body: any }, what: string) => {
  if (response.status !== 400) throw new Error(`${what}: expected 400, got ${response.status} ${JSON.stringify(response.body)}`);
  expect(response.body.error.type).toBe('validation_error');
};

const expectNoFault = (response: { status: number; body: any }, what: string) => {
  if (response.status !== 200 && response.status !== 400) throw new Error(`${what}: expected 200 or 400, got ${response.status} ${JSON.stringify(response.body)}`);
};

// ── The data ────────────────────────────────────────────────────────────────────────────────

/** Two merchants with several items in each list: one whose commissions are approved (and paid twice), one whose are on hold. */
let paid: SellingMerchant;
let holding: SellingMerchant;
const merchants = () => [paid, holding];
/** The variants of each route for a merchant (its own affiliate in the filters). */
const variants = new Map<SellingMerchant, Record<string, Variant[]>>();
/** What the first page of each list gave out (limit 1), per merchant. */
const realCursors = new Map<SellingMerchant, { variant: Variant; cursor: string; firstId: string }[]>();

const sale = (merchant: SellingMerchant, amount: number) =>
  emulator().simulatePayment({ ...on(merchant), amount, metadata: { tally_affiliate: merchant.affiliate.referralCode } });

/** What identifies an item of a list: its ID, or a team member's e-mail. */
const itemKey = (item: { id?: string; email?: string }): string => (item.id ?? item.email) as string;

const populate = async (merchant: SellingMerchant, payouts: number) => {
  await createAffiliate(merchant, { referralCode: unique('ref') });
  for (const role of ['admin', 'viewer']) {
    const member = await api('POST', '/v1/merchant/users', { key: merchant.apiKey, body: { email: `${unique(role)}@example.com`, role } });
    if (member.status !== 201) throw new Error(`member: ${member.status} ${JSON.stringify(member.body)}`);
  }
  await createPlan(merchant);
  for (let payout = 0; payout <= payouts; payout++) {
    await sale(merchant, 1_000 + payout);
    await sale(merchant, 2_000 + payout);
    await delivered();
    if (payout < payouts) {
      const response = await api('POST', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' }, body: { affiliateId: merchant.affiliate.id } });
      if (response.status !== 201) throw new Error(`payout: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
};

beforeAll(async () => {
  paid = await sellingMerchant();
  holding = await sellingMerchant({ settings: { holdDays: 30 } });
  await populate(paid, 2);
  await populate(holding, 0);
  for (const merchant of merchants()) {
    variants.set(merchant, variantsOf(merchant.affiliate.id));
    const cursors = [];
    for (const variant of Object.values(variants.get(merchant) ?? {}).flat()) {
      const first = await list(merchant, variant, { limit: '1' });
      if (first.status !== 200) throw new Error(`${variant.path} ${JSON.stringify(variant.query)}: ${first.status} ${JSON.stringify(first.body)}`);
      if (first.body.nextCursor) cursors.push({ variant, cursor: first.body.nextCursor as string, firstId: itemKey(first.body.data[0]) });
    }
    realCursors.set(merchant, cursors);
  }
}, 120_000);

// ── Lists ───────────────────────────────────────────────────────────────────────────────────

describe('list cursors and limits', () => {
  it('covers every GET list route of lambdas/functions.ts', () => {
    expect(listPaths.length).toBeGreaterThanOrEqual(5);
    expect(listPaths.filter((path) => !variants.get(paid)?.[path]?.length)).toEqual([]);
  });

  it('has real cursors to start from in every list route', () => {
    const withCursors = new Set([...realCursors.values()].flat().map(({ variant }) => variant.path));
    expect([...withCursors].sort()).toEqual([...listPaths].sort());
  });

  describe.each(listPaths)('%s', (path) => {
    const ownVariants = (merchant: SellingMerchant) => variants.get(merchant)?.[path] ?? [];
    const ownCursors = (merchant: SellingMerchant, variant: Variant) =>
      (realCursors.get(merchant) ?? []).filter((real) => real.variant.positions === variant.positions).map((real) => real.cursor);

    it('refuses malformed cursors with 400', async () => {
      const cases = fc.constantFrom(...merchants()).chain((merchant) =>
        fc.constantFrom(...ownVariants(merchant)).chain((variant) =>
          fc.record({ merchant: fc.constant(merchant), variant: fc.constant(variant), cursor: malformedCursor(ownCursors(merchant, variant)), limit: fc.integer({ min: 1, max: 100 }) }),
        ),
      );
      await fc.assert(
        fc.asyncProperty(cases, async ({ merchant, variant, cursor, limit }) => {
          expectRefused(await list(merchant, variant, { cursor, limit: String(limit) }), `${path} ${JSON.stringify(variant.query)} cursor ${JSON.stringify(cursor.slice(0, 200))}`);
        }),
        { numRuns: runs, ...replay },
      );
    });

    it('answers odd changes to a real cursor with 400 or a page, never 5xx', async () => {
      const starts = merchants().flatMap((merchant) => ownVariants(merchant).flatMap((variant) => ownCursors(merchant, variant).map((cursor) => ({ merchant, variant, cursor }))));
      const cases = fc.constantFrom(...starts).chain((start) => fc.record({ start: fc.constant(start), cursor: fc.oneof(oddRealCursor(start.cursor), flippedByte(start.cursor)) }));
      await fc.assert(
        fc.asyncProperty(cases, async ({ start, cursor }) => {
          expectNoFault(await list(start.merchant, start.variant, { cursor }), `${path} ${JSON.stringify(start.variant.query)} cursor ${JSON.stringify(decodeSafely(cursor))}`);
        }),
        { numRuns: runs, ...replay },
      );
    });

    it("refuses another merchant's cursors and other lists' cursors with 400", async () => {
      for (const merchant of merchants()) {
        for (const variant of ownVariants(merchant)) {
          const foreign = [...realCursors.entries()].flatMap(([owner, cursors]) =>
            cursors.filter((real) => owner !== merchant || real.variant.positions !== variant.positions).map((real) => ({ ...real, owner })),
          );
          for (const real of foreign)
            expectRefused(
              await list(merchant, variant, { cursor: real.cursor }),
              `${path} ${JSON.stringify(variant.query)} with the cursor of ${real.owner === merchant ? 'its' : "another merchant's"} ${real.variant.path} ${JSON.stringify(real.variant.query)}`,
            );
        }
      }
    });

    it('refuses bad limits with 400', async () => {
      const cases = fc.record({ variant: fc.constantFrom(...ownVariants(paid)), limit: badLimit, withCursor: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(cases, async ({ variant, limit, withCursor }) => {
          const cursor = withCursor ? ownCursors(paid, variant)[0] : undefined;
          expectRefused(await list(paid, variant, { limit, ...(cursor ? { cursor } : {}) }), `${path} ${JSON.stringify(variant.query)} limit ${JSON.stringify(limit)}`);
        }),
        { numRuns: runs, ...replay },
      );
    });

    it('refuses a cursor or a limit given twice', async () => {
      const [variant] = ownVariants(paid) as [Variant];
      const cursor = ownCursors(paid, variant)[0] ?? encode({});
      for (const search of [`limit=1&limit=2`, `cursor=${cursor}&cursor=${cursor}`]) {
        const url = new URL(variant.path, stack().apiUrl);
        url.search = new URLSearchParams(variant.query).toString();
        const response = await fetch(`${url.toString()}${url.search ? '&' : '?'}${search}`, { headers: { authorization: `Bearer ${paid.apiKey}` } });
        expectRefused({ status: response.status, body: await response.json() }, `${path} ?${search.slice(0, 40)}`);
      }
    });

    it('still pages on with its own cursors, to the end', async () => {
      for (const merchant of merchants()) {
        for (const { variant, cursor, firstId } of (realCursors.get(merchant) ?? []).filter((real) => real.variant.path === path)) {
          const seen = [firstId];
          let next: string | null = cursor;
          while (next) {
            const page = await list(merchant, variant, { cursor: next, limit: '1' });
            expect([variant.query, page.status]).toEqual([variant.query, 200]);
            seen.push(...page.body.data.map(itemKey));
            next = page.body.nextCursor;
          }
          const all = await list(merchant, variant, { limit: '100' });
          expect(seen).toEqual(all.body.data.map(itemKey));
          expect(seen.length).toBeGreaterThan(1);
        }
      }
    });
  });
});

// ── Webhook envelopes ───────────────────────────────────────────────────────────────────────

describe('webhook envelopes', () => {
  /** An event of an account nobody connected: were a corruption to leave it valid, it would be ignored (200), not applied. */
  const valid = () => stripeEvent('account.application.deauthorized', 'acct_fuzz_nobody', { id: 'ca_fuzz', object: 'application' });
  type Envelope = Record<string, unknown>;

  const anyButString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }));
  const anyButObject = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }));
  const without = (name: string) => (event: Envelope) => {
    delete event[name];
  };
  const set = (name: string, value: unknown) => (event: Envelope) => {
    event[name] = value;
  };

  /** One change that leaves a signed body that is not a Stripe event. */
  const corruption = fc.oneof(
    fc.constantFrom('id', 'type', 'created', 'livemode', 'data').map(without),
    fc.oneof(anyButString, fc.string().filter((id) => !id.startsWith('evt_'))).map((id) => set('id', id)),
    anyButString.map((type) => set('type', type)),
    fc.oneof(fc.string(), fc.double().filter((value) => !Number.isInteger(value)), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 })).map((created) => set('created', created)),
    fc.oneof(fc.constantFrom('yes', 'true', 'false', '1', ''), fc.string(), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 })).map((livemode) => set('livemode', livemode)),
    fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.array(fc.string(), { maxLength: 2 })).map((account) => set('account', account)),
    fc.oneof(anyButObject, fc.constant({}), anyButObject.map((object) => ({ object }))).map((data) => set('data', data)),
  );

  const body = fc.oneof(
    fc.array(corruption, { minLength: 1, maxLength: 3 }).map((changes) => {
      const event: Envelope = valid();
      for (const change of changes) change(event);
      return JSON.stringify(event);
    }),
    fc.oneof(fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.string(), fc.integer(), fc.boolean()).map((value) => JSON.stringify(value)),
    fc.constant(JSON.stringify([valid()])),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
  );

  it('refuses signed bodies that are not events with 400 invalid_payload, storing nothing', async () => {
    const secret = await webhookSecret('test');
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await api('POST', '/webhooks/stripe', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, secret) } });
        if (response.status !== 400 || response.body.error?.type !== 'invalid_payload')
          throw new Error(`${payload.slice(0, 300)}: expected 400 invalid_payload, got ${response.status} ${JSON.stringify(response.body)}`);
        const id = (decodeJson(payload) as { id?: unknown } | null)?.id;
        if (typeof id === 'string') expect(await processedRecord(id)).toBeUndefined();
      }),
      { numRuns: 100, ...replay },
    );
  });

  it('still takes the uncorrupted event', async () => {
    const response = await postEvent(valid(), { secret: await webhookSecret('test') });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ignored' });
  });
});
