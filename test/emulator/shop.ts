import Stripe from 'stripe';
import type { Mode } from '../../bin/stripe-emulator/defaults';
import { startHarness, startReceiver, type Harness, type Receiver } from './support';

/**
 * A merchant's connected account with a Connect webhook endpoint listening, as Tally sees Stripe:
 * `received()` gives the events delivered so far, each verified with the endpoint's secret.
 */
export interface Shop {
  h: Harness;
  receiver: Receiver;
  account: string;
  secret: string;
  mode: Mode;
  /** The platform's SDK client in the shop's mode, acting on the connected account with `on`. */
  stripe: Stripe;
  on: { stripeAccount: string };
  received(): Stripe.Event[];
  /** Starts over: a fresh emulator state, a newly connected account, nothing received. */
  reset(mode?: Mode): Promise<void>;
  stop(): Promise<void>;
}

export async function openShop(): Promise<Shop> {
  const h = await startHarness();
  const receiver = await startReceiver();
  const shop: Shop = {
    h,
    receiver,
    account: '',
    secret: '',
    mode: 'test',
    stripe: h.stripe(),
    on: { stripeAccount: '' },
    received: () =>
      receiver.received.map((delivery) => Stripe.webhooks.constructEvent(delivery.rawBody, delivery.headers['stripe-signature'] as string, shop.secret)),
    async reset(mode: Mode = 'test') {
      await h.control.reset();
      receiver.received.length = 0;
      receiver.respond = () => 200;
      shop.mode = mode;
      shop.stripe = h.stripe(mode);
      shop.account = await h.connect(mode);
      shop.on = { stripeAccount: shop.account };
      shop.secret = (await h.control.registerWebhookEndpoint({ url: receiver.url, connect: true, mode })).secret;
    },
    async stop() {
      await h.stop();
      await receiver.stop();
    },
  };
  return shop;
}

/** Jest hooks for a describe block that sells through a shop: opened once, reset before each test. */
export function useShop(assign: (shop: Shop) => void): void {
  let shop: Shop | undefined;
  beforeAll(async () => {
    shop = await openShop();
    assign(shop);
  });
  afterAll(() => shop?.stop());
  beforeEach(() => shop?.reset());
}

export const types = (events: Stripe.Event[]): string[] => events.map((event) => event.type);

/** The object an event carries, typed as the test expects it. */
export const objectOf = <T>(event: Stripe.Event | undefined): T => event?.data.object as T;
