import type { PromotionCodeView } from './plan';

/**
 * The account's active promotion codes as a bulk resync read them, indexed so that each
 * affiliate's share is found without another call: the codes Tally made for it, and any code
 * equal to its own.
 */
export interface Snapshot {
  byAffiliate: Map<string, PromotionCodeView[]>;
  byCode: Map<string, PromotionCodeView[]>;
}

const push = (map: Map<string, PromotionCodeView[]>, key: string, view: PromotionCodeView) => {
  const list = map.get(key);
  if (list) list.push(view);
  else map.set(key, [view]);
};

export const indexSnapshot = (views: readonly PromotionCodeView[]): Snapshot => {
  const snapshot: Snapshot = { byAffiliate: new Map(), byCode: new Map() };
  for (const view of views) {
    if (view.affiliateId) push(snapshot.byAffiliate, view.affiliateId, view);
    push(snapshot.byCode, view.code.toLowerCase(), view);
  }
  return snapshot;
};

/** What the snapshot shows for one affiliate, each promotion code once. */
export const observedFor = (snapshot: Snapshot, affiliate: { id: string; couponCode: string | null }): PromotionCodeView[] => {
  const views = [
    ...(snapshot.byAffiliate.get(affiliate.id) ?? []),
    ...(affiliate.couponCode ? (snapshot.byCode.get(affiliate.couponCode.toLowerCase()) ?? []) : []),
  ];
  return views.filter((view, index) => views.findIndex((other) => other.id === view.id) === index);
};
