import { sameMailbox } from '../../../lambdas/attribution/identity';

describe('sameMailbox', () => {
  it.each([
    ['case and surrounding spaces', 'Ada@Example.com', '  ada@example.COM '],
    ['a +tag at any provider', 'ada+shop@example.com', 'ada@example.com'],
    ['+tags on both sides', 'ada+one@example.com', 'ada+two@example.com'],
    ['dots in a gmail.com local part', 'a.d.a@gmail.com', 'ada@gmail.com'],
    ['googlemail.com, which is gmail.com', 'ada@googlemail.com', 'a.da+x@Gmail.com'],
  ])('sees one mailbox despite %s', (_case, a, b) => {
    expect(sameMailbox(a, b)).toBe(true);
    expect(sameMailbox(b, a)).toBe(true);
  });

  it.each([
    ['different local parts', 'ada@example.com', 'bob@example.com'],
    ['different domains', 'ada@example.com', 'ada@example.org'],
    ['dots outside Gmail, where they count', 'a.da@example.com', 'ada@example.com'],
    ['a Gmail address and the same name elsewhere', 'ada@gmail.com', 'ada@example.com'],
    ['a subdomain of gmail.com', 'ada@mail.gmail.com', 'ada@gmail.com'],
  ])('tells apart %s', (_case, a, b) => {
    expect(sameMailbox(a, b)).toBe(false);
  });

  it.each([
    ['empty addresses', '', ''],
    ['addresses without an @', 'ada', 'ada'],
    ['an empty local part once the tag is dropped', '+ada@example.com', '+bob@example.com'],
    ['an empty domain', 'ada@', 'ada@'],
  ])('matches nothing for %s', (_case, a, b) => {
    expect(sameMailbox(a, b)).toBe(false);
  });
});
