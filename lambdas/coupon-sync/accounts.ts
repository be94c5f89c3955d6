import { type Mode, modes } from '../core/mode';
import type { Merchant } from '../merchants/merchant';

/** A merchant's connected Stripe account in one mode: where its coupons and promotion codes live. */
export interface AccountScope {
  mode: Mode;
  accountId: string;
}

export const connectedAccount = (merchant: Merchant, mode: Mode): AccountScope | undefined => {
  const connection = merchant.stripe[mode];
  return connection?.status === 'connected' ? { mode, accountId: connection.accountId } : undefined;
};

/** The modes a sync can act in: those with a connected account. */
export const connectedModes = (merchant: Merchant): Mode[] => modes.filter((mode) => connectedAccount(merchant, mode));
