import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandInput, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { AccountClaim } from '../../../lambdas/connect/connection';
import { ConflictError } from '../../../lambdas/core/errors';
import { type Key, keys } from '../../../lambdas/store/keys';
import { receive } from '../../../lambdas/webhooks/intake';
import { handlerFor } from '../../../lambdas/webhooks/registry';
import type { EventContext, EventHandler } from '../../../lambdas/webhooks/types';

// The real registry brings in every handler and the ledger: these tests run a fake one instead.
jest.mock('../../../lambdas/webhooks/registry', () => ({ handlerFor: jest.fn() }));

const table = 'tally-test';
const secret = 'whsec_intake_unit';
const secrets = { test: secret, previousTest: 'whsec_intake_unit_previous', live: 'whsec_intake_unit_live' };
process.env.TALLY_TABLE_NAME = table;
process.env.TALLY_RUNTIME = 'local';
process.env.STRIPE_WEBHOOK_SECRETS_TEST = `${secrets.test},${secrets.previousTest}`;
process.env.STRIPE_WEBHOOK_SECRETS_LIVE = secrets.live;

// ── A table in memory behind the mocked document client ─────────────────────────────────────

type Item = Record<string, unknown>;
const stored = new Map<string, Item>();
const idOf = (key: { pk?: unknown; sk?: unknown }) => `${String(key.pk)}\n${String(key.sk)}`;
const store = (item: Item) => stored.set(idOf(item), item);

const dynamo = mockClient(DynamoDBDocumentClient);
const answerReads = () => {
  dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
    Responses: { [table]: (input.RequestItems?.[table]?.Keys ?? []).flatMap((key) => stored.get(idOf(key)) ?? []) },
  }));
  dynamo.on(GetCommand).callsFake((input: { Key: Key }) => ({ Item: stored.get(idOf(input.Key)) }));
  dynamo.on(TransactWriteCommand).resolves({});
};

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

const batchGets = () => dynamo.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[table]?.Keys ?? []);
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems ?? []);

// ── Accounts, events, deliveries ────────────────────────────────────────────────────────────

let accounts = 0;
/** A fresh account per test: the intake remembers claims per account for the life of the module. */
const newAccount = () => `acct_intake${++accounts}`;

const connect = (accountId: string, claim: Partial<AccountClaim> = {}) =>
  store({
    ...keys.stripeAccount(claim.mode ?? 'test', accountId),
    merchantId: 'mer_1',
    mode: 'test',
    accountId,
    status: 'connected',
    connectedAt: '2030-01-01T00:00:00.000Z',
    ...claim,
  });

const stripeEvent = (accountId: string | undefined, overrides: Record<string, unknown> = {}) => ({
  id: `evt_${randomBytes(8).toString('hex')}`,
  object: 'event',
  type: 'invoice.paid',
  account: accountId,
  created: 1_900_000_000,
  livemode: false,
  data: { object: { id: 'in_1', object: 'invoice' } },
  ...overrides,
});

const deliver = (body: unknown, signedWith = secret) => {
  const payload = JSON.stringify(body);
  return receive(Buffer.from(payload), Stripe.webhooks.generateTestHeaderString({ payload, secret: signedWith }));
};

const recordKeyOf = (event: { id: string }) => keys.stripeEvent(event.id);
const claimKeyOf = (accountId: string) => keys.stripeAccount('test', accountId);

/** The fake handler: reads the merchant's profile, writes one effect that a concurrent change would fail. */
const effectOf = (context: EventContext) => ({ pk: 'EFFECT', sk: context.merchantId });
const applies: EventHandler = async (_event, context) => {
  await context.read([keys.merchant(context.merchantId)]);
  context.transaction.put({ Item: effectOf(context) }, () => new ConflictError('effect.changed', 'The effect changed meanwhile.'));
  return 'applied';
};
const handler = jest.fn<ReturnType<EventHandler>, Parameters<EventHandler>>();
const using = (body: EventHandler) => handler.mockImplementation(body);

/** An account whose claim this container remembers (one event applied already), with history cleared. */
const rememberedAccount = async (claim: Partial<AccountClaim> = {}) => {
  const accountId = newAccount();
  connect(accountId, claim);
  using(applies);
  await deliver(stripeEvent(accountId));
  dynamo.resetHistory();
  handler.mockClear();
  return accountId;
};

const stripeError = {
  permission: () => new Stripe.errors.StripePermissionError({ message: 'The application is not connected to this account.', statusCode: 403 }),
  missing: (message: string) => new Stripe.errors.StripeInvalidRequestError({ message, code: 'resource_missing', statusCode: 404, type: 'invalid_request_error' }),
};

beforeEach(() => {
  dynamo.reset();
  stored.clear();
  answerReads();
  handler.mockReset();
  jest.mocked(handlerFor).mockReturnValue(handler as EventHandler);
});

describe('the webhook intake', () => {
  it("stores the handler's effect and the processed record in one transaction", async () => {
    const accountId = newAccount();
    connect(accountId);
    using(applies);
    const event = stripeEvent(accountId);

    const result = await deliver(event);

    expect(result).toEqual({ status: 'processed', outcome: 'applied', eventId: event.id, eventType: 'invoice.paid' });
    expect(transactions()).toEqual([
      [
        { Put: expect.objectContaining({ Item: { pk: 'EFFECT', sk: 'mer_1' } }) },
        {
          Put: expect.objectContaining({
            Item: expect.objectContaining({ ...recordKeyOf(event), merchantId: 'mer_1', mode: 'test', outcome: 'applied' }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        },
      ],
    ]);
  });

  it("reads the remembered claim and the record with the handler's first read: two calls in all", async () => {
    const accountId = await rememberedAccount();
    using(applies);
    const event = stripeEvent(accountId);

    expect(await deliver(event)).toMatchObject({ status: 'processed' });

    expect(batchGets()).toEqual([[keys.merchant('mer_1'), claimKeyOf(accountId), recordKeyOf(event)]]);
    expect(dynamo.calls()).toHaveLength(2);
  });

  describe('duplicates', () => {
    it('answers with the outcome of the first delivery and writes nothing, without running the handler', async () => {
      const accountId = newAccount();
      connect(accountId);
      const event = stripeEvent(accountId);
      store({ ...recordKeyOf(event), outcome: 'commission recorded' });

      expect(await deliver(event)).toMatchObject({ status: 'duplicate', outcome: 'commission recorded' });
      expect(handler).not.toHaveBeenCalled();
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it("finds the record in the handler's first read once the claim is remembered", async () => {
      const accountId = await rememberedAccount();
      const event = stripeEvent(accountId);
      store({ ...recordKeyOf(event), outcome: 'commission recorded' });
      const after = jest.fn();
      using(async (_event, context) => {
        await context.read([keys.merchant(context.merchantId)]);
        after();
        return 'applied again';
      });

      expect(await deliver(event)).toMatchObject({ status: 'duplicate', outcome: 'commission recorded' });
      expect(after).not.toHaveBeenCalled();
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('checks a handler that reads nothing against the record after it ran', async () => {
      const accountId = await rememberedAccount();
      const event = stripeEvent(accountId);
      store({ ...recordKeyOf(event), outcome: 'connection ended' });
      using(async (_event, context) => {
        context.transaction.put({ Item: effectOf(context) });
        return 'connection ended';
      });

      expect(await deliver(event)).toMatchObject({ status: 'duplicate', outcome: 'connection ended' });
      expect(batchGets()).toEqual([[claimKeyOf(accountId), recordKeyOf(event)]]);
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('answers a concurrent duplicate that committed first with its outcome', async () => {
      const accountId = newAccount();
      connect(accountId);
      using(applies);
      const event = stripeEvent(accountId);
      dynamo.on(TransactWriteCommand).callsFake(() => {
        store({ ...recordKeyOf(event), outcome: 'applied by the sibling' });
        throw canceled('None', 'ConditionalCheckFailed');
      });

      expect(await deliver(event)).toMatchObject({ status: 'duplicate', outcome: 'applied by the sibling' });
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });
  });

  describe('events of accounts that are not connected', () => {
    it.each([
      ['no claim', undefined, 'the account is not connected to Tally'],
      ['an ended claim', { status: 'disconnected' as const }, 'the connection has ended'],
    ])('acknowledges and ignores an event of an account with %s', async (_case, claim, outcome) => {
      const accountId = newAccount();
      if (claim) connect(accountId, claim);

      expect(await deliver(stripeEvent(accountId))).toMatchObject({ status: 'ignored', outcome });
      expect(handler).not.toHaveBeenCalled();
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it("ignores the event when the handler's first read finds the remembered connection ended, and forgets the claim", async () => {
      const accountId = await rememberedAccount();
      connect(accountId, { status: 'disconnected' });
      using(applies);

      expect(await deliver(stripeEvent(accountId))).toMatchObject({ status: 'ignored', outcome: 'the connection has ended' });
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);

      dynamo.resetHistory();
      const next = stripeEvent(accountId);
      await deliver(next);
      expect(batchGets()[0]).toEqual([claimKeyOf(accountId), recordKeyOf(next)]);
    });

    it('ignores events that name no connected account, and events no handler takes', async () => {
      expect(await deliver(stripeEvent(undefined))).toMatchObject({ status: 'ignored', outcome: 'not an event of a connected account' });
      jest.mocked(handlerFor).mockReturnValue(undefined);
      expect(await deliver(stripeEvent(newAccount(), { type: 'balance.available' }))).toMatchObject({
        status: 'ignored',
        outcome: 'no handler for this event type',
      });
      expect(dynamo.calls()).toHaveLength(0);
    });
  });

  it('runs the handler again with the stored claim when the remembered one changed (the account was connected again)', async () => {
    const accountId = await rememberedAccount();
    connect(accountId, { merchantId: 'mer_2', connectedAt: '2030-02-01T00:00:00.000Z' });
    using(applies);
    const event = stripeEvent(accountId);

    expect(await deliver(event)).toMatchObject({ status: 'processed', outcome: 'applied' });

    expect(handler.mock.calls.map(([, context]) => context.merchantId)).toEqual(['mer_1', 'mer_2']);
    expect(transactions()).toEqual([
      [
        { Put: expect.objectContaining({ Item: { pk: 'EFFECT', sk: 'mer_2' } }) },
        { Put: expect.objectContaining({ Item: expect.objectContaining({ ...recordKeyOf(event), merchantId: 'mer_2' }) }) },
      ],
    ]);
  });

  describe('concurrent changes', () => {
    it('runs the handler again on fresh reads after a conflict, and commits the second time', async () => {
      const accountId = newAccount();
      connect(accountId);
      using(applies);
      dynamo.on(TransactWriteCommand).rejectsOnce(canceled('ConditionalCheckFailed', 'None')).resolves({});

      expect(await deliver(stripeEvent(accountId))).toMatchObject({ status: 'processed', outcome: 'applied' });
      expect(handler).toHaveBeenCalledTimes(2);
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    });

    it('answers 503 busy, with nothing stored, when every attempt conflicts', async () => {
      const accountId = newAccount();
      connect(accountId);
      using(applies);
      dynamo.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None'));

      await expect(deliver(stripeEvent(accountId))).rejects.toMatchObject({ status: 503, type: 'busy' });
      expect(handler).toHaveBeenCalledTimes(5);
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 5);
    });
  });

  describe('a handler that fails before its first read', () => {
    it('is answered by the claim when the connection ended (Stripe refuses calls on a deauthorized account)', async () => {
      const accountId = await rememberedAccount();
      connect(accountId, { status: 'disconnected' });
      using(async () => {
        throw stripeError.permission();
      });

      expect(await deliver(stripeEvent(accountId))).toMatchObject({ status: 'ignored', outcome: 'the connection has ended' });
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it.each([
      ['its own error', () => new Error('boom'), { message: 'boom' }],
      ['429 for a rate limit from Stripe', () => new Stripe.errors.StripeRateLimitError({ message: 'slow down', statusCode: 429 }), { status: 429 }],
      ['502 for an outage at Stripe', () => new Stripe.errors.StripeAPIError({ message: 'down', statusCode: 500 }), { status: 502, type: 'stripe_unavailable' }],
    ])('fails with %s when the claim is fine', async (_case, error, expected) => {
      const accountId = await rememberedAccount();
      using(async () => {
        throw error();
      });

      await expect(deliver(stripeEvent(accountId))).rejects.toMatchObject(expected);
      expect(batchGets()).toHaveLength(1);
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });
  });

  describe('an object the event names that Stripe no longer has', () => {
    it.each([
      ['with the claim remembered', rememberedAccount],
      ['with the claim read first', async () => {
        const accountId = newAccount();
        connect(accountId);
        return accountId;
      }],
    ])('ignores the event and records it as processed, without the handler’s effects (%s)', async (_case, account) => {
      const accountId = await account();
      using(async (_event, context) => {
        context.transaction.put({ Item: effectOf(context) });
        throw stripeError.missing("No such invoice: 'in_gone'");
      });
      const event = stripeEvent(accountId);

      expect(await deliver(event)).toMatchObject({ status: 'ignored', outcome: 'the invoice in_gone no longer exists in Stripe' });
      expect(transactions()).toEqual([
        [{ Put: expect.objectContaining({ Item: expect.objectContaining({ ...recordKeyOf(event), outcome: 'the invoice in_gone no longer exists in Stripe' }) }) }],
      ]);
    });

    it('still answers a duplicate as a duplicate', async () => {
      const accountId = await rememberedAccount();
      const event = stripeEvent(accountId);
      store({ ...recordKeyOf(event), outcome: 'applied' });
      using(async () => {
        throw stripeError.missing("No such invoice: 'in_gone'");
      });

      expect(await deliver(event)).toMatchObject({ status: 'duplicate', outcome: 'applied' });
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });

    it('is told from other refused requests, which stay faults', async () => {
      const accountId = await rememberedAccount();
      using(async () => {
        throw new Stripe.errors.StripeInvalidRequestError({ message: 'Invalid expand', statusCode: 400, type: 'invalid_request_error' });
      });

      await expect(deliver(stripeEvent(accountId))).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    });
  });

  describe('signing secrets bound to modes', () => {
    it.each([
      ['a live event signed with the test secret', { livemode: true }, secrets.test],
      ['a live event signed with the previous test secret (mid-rotation)', { livemode: true }, secrets.previousTest],
      ['a test event signed with the live secret', { livemode: false }, secrets.live],
    ])('refuses %s with 400 invalid_signature, reading and storing nothing', async (_case, overrides, signedWith) => {
      const accountId = newAccount();
      connect(accountId, { mode: 'test' });
      connect(accountId, { mode: 'live' });
      using(applies);

      await expect(deliver(stripeEvent(accountId, overrides), signedWith)).rejects.toMatchObject({ status: 400, type: 'invalid_signature' });
      expect(handler).not.toHaveBeenCalled();
      expect(dynamo.calls()).toHaveLength(0);
    });

    it.each([
      ['a live event signed with the live secret', 'live', secrets.live],
      ['a test event signed with the test secret', 'test', secrets.test],
      ['a test event signed with the previous test secret (mid-rotation)', 'test', secrets.previousTest],
    ] as const)('applies %s, in that mode', async (_case, mode, signedWith) => {
      const accountId = newAccount();
      connect(accountId, { mode });
      using(applies);

      expect(await deliver(stripeEvent(accountId, { livemode: mode === 'live' }), signedWith)).toMatchObject({ status: 'processed', outcome: 'applied' });
      expect(handler.mock.calls.map(([, context]) => context.mode)).toEqual([mode]);
    });

    it('refuses a signature by a secret of neither mode', async () => {
      await expect(deliver(stripeEvent(newAccount()), 'whsec_someone_else')).rejects.toMatchObject({ status: 400, type: 'invalid_signature' });
      expect(dynamo.calls()).toHaveLength(0);
    });
  });

  describe('signed bodies that are not events', () => {
    const valid = stripeEvent('acct_x');
    it.each([
      ['null', null],
      ['an array', [valid]],
      ['a string', 'evt_1'],
      ['an object without an id', { ...valid, id: undefined }],
      ['an id that is not an event id', { ...valid, id: 'in_1' }],
      ['a created time that is not an integer', { ...valid, created: '2030-01-01' }],
      ['a livemode that is not a boolean', { ...valid, livemode: 'false' }],
      ['an account that is not a string', { ...valid, account: 42 }],
      ['no data.object', { ...valid, data: {} }],
      ['a data.object that is not an object', { ...valid, data: { object: 'in_1' } }],
    ])('refuses %s with 400 invalid_payload, storing nothing', async (_case, body) => {
      await expect(deliver(body)).rejects.toMatchObject({ status: 400, type: 'invalid_payload' });
      expect(handler).not.toHaveBeenCalled();
      expect(dynamo.calls()).toHaveLength(0);
    });
  });
});
