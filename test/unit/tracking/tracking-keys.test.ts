import { keys } from '../../../lambdas/store/keys';

describe('tracking and attribution keys', () => {
  it('finds a lead by e-mail regardless of case, without the address in the key', () => {
    const key = keys.emailLead('mer_1', 'live', 'Ada@Example.COM');
    expect(key).toEqual(keys.emailLead('mer_1', 'live', ' ada@example.com'));
    expect(`${key.pk}${key.sk}`.toLowerCase()).not.toContain('example');
  });

  it('keeps modes and merchants apart', () => {
    const all = [
      keys.emailLead('mer_1', 'live', 'a@b.co'),
      keys.emailLead('mer_1', 'test', 'a@b.co'),
      keys.emailLead('mer_2', 'live', 'a@b.co'),
      keys.visitor('mer_1', 'live', 'v'),
      keys.visitor('mer_1', 'test', 'v'),
      keys.attribution('mer_1', 'live', 'cus_1'),
      keys.attribution('mer_1', 'test', 'cus_1'),
      keys.customerLead('mer_1', 'live', 'cus_1'),
    ].map((key) => `${key.pk}|${key.sk}`);
    expect(new Set(all).size).toBe(all.length);
  });
});
