import Stripe from 'stripe';
import { emulatorCredentials } from '../../bin/stripe-emulator/defaults';
import { startHarness, type Harness } from './support';

/** The SDK types `webhooks.signature` as nullable although the Node build always sets it. */
function verifyHeader(payload: string, header: string, secret: string, tolerance?: number): boolean {
  const { signature } = Stripe.webhooks;
  if (!signature) throw new Error('the stripe SDK has no signature helper');
  return signature.verifyHeader(payload, header, secret, tolerance);
}

describe('Stripe emulator: Stripe App request signatures', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('signs {"user_id","account_id"} as fetchStripeSignature does, verifiable by the SDK with the app secret', async () => {
    const { payload, signature } = await h.control.signAppRequest({ user_id: 'usr_123', account_id: 'acct_456' });

    expect(payload).toBe('{"user_id":"usr_123","account_id":"acct_456"}');
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyHeader(JSON.stringify({ user_id: 'usr_123', account_id: 'acct_456' }), signature, emulatorCredentials.appSigningSecret)).toBe(true);
    expect(() => verifyHeader(payload, signature, 'absec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => verifyHeader('{"account_id":"acct_456","user_id":"usr_123"}', signature, emulatorCredentials.appSigningSecret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('signs at a given time, so verifiers can be tested against stale signatures', async () => {
    const stale = Math.floor(Date.now() / 1000) - 600;
    const { payload, signature } = await h.control.signAppRequest({ user_id: 'usr_1', account_id: 'acct_1', timestamp: stale });

    expect(signature.startsWith(`t=${stale},`)).toBe(true);
    expect(() => verifyHeader(payload, signature, emulatorCredentials.appSigningSecret, 300)).toThrow(/Timestamp outside the tolerance zone/);
  });
});
