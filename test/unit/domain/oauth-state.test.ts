import { newState, stateLifetimeSeconds, verifyState } from '../../../lambdas/connect/oauth-state';

const key = 'k'.repeat(32);
const now = new Date('2026-11-28T12:00:00Z');

describe('OAuth state', () => {
  it('round-trips the merchant and mode it was issued for', () => {
    const { state } = newState('mer_1', 'test', key, now);
    const verified = verifyState(state, key, now);
    expect(verified).toMatchObject({ ok: true, payload: { merchantId: 'mer_1', mode: 'test' } });
  });

  it('gives every state its own nonce', () => {
    expect(newState('mer_1', 'live', key, now).payload.nonce).not.toBe(newState('mer_1', 'live', key, now).payload.nonce);
  });

  it('expires after ten minutes', () => {
    const { state } = newState('mer_1', 'live', key, now);
    const justBefore = new Date(now.getTime() + (stateLifetimeSeconds - 1) * 1000);
    const after = new Date(now.getTime() + stateLifetimeSeconds * 1000);
    expect(verifyState(state, key, justBefore).ok).toBe(true);
    expect(verifyState(state, key, after)).toEqual({ ok: false, problem: 'expired' });
  });

  it('refuses a state signed with another key', () => {
    const { state } = newState('mer_1', 'live', 'x'.repeat(32), now);
    expect(verifyState(state, key, now)).toEqual({ ok: false, problem: 'bad_signature' });
  });

  it('refuses a state whose merchant was changed', () => {
    const { state } = newState('mer_1', 'live', key, now);
    const [encoded, signature] = state.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(encoded, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, merchantId: 'mer_2' })).toString('base64url');
    expect(verifyState(`${forged}.${signature}`, key, now)).toEqual({ ok: false, problem: 'bad_signature' });
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['no-dot', 'malformed'],
    ['a.b.c', 'malformed'],
  ])('refuses %j as %s', (state, problem) => {
    expect(verifyState(state, key, now)).toEqual({ ok: false, problem });
  });
});
