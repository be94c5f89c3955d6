import type { Mode } from './defaults';
import { newId } from './ids';

export interface ConnectedAccount {
  id: string;
  /** An account connected through a test-mode client id exists in test mode only, and likewise for live. */
  mode: Mode;
  status: 'connected' | 'deauthorized';
  created: number;
  connectedAt: number;
  deauthorizedAt: number | null;
}

/** The Standard accounts connected to the platform over OAuth (the platform itself is not one of them). */
export class Accounts {
  private readonly byId = new Map<string, ConnectedAccount>();

  constructor(readonly platformId: string) {}

  create(mode: Mode, now: number): ConnectedAccount {
    const account: ConnectedAccount = {
      id: newId('acct', 16),
      mode,
      status: 'connected',
      created: now,
      connectedAt: now,
      deauthorizedAt: null,
    };
    this.byId.set(account.id, account);
    return account;
  }

  get(id: string): ConnectedAccount | undefined {
    return this.byId.get(id);
  }

  connect(account: ConnectedAccount, now: number): void {
    account.status = 'connected';
    account.connectedAt = now;
    account.deauthorizedAt = null;
  }

  deauthorize(account: ConnectedAccount, now: number): void {
    account.status = 'deauthorized';
    account.deauthorizedAt = now;
  }

  list(mode?: Mode): ConnectedAccount[] {
    return [...this.byId.values()].filter((account) => !mode || account.mode === mode);
  }

  /** Whether the platform's key of `mode` may act on `id` with the `Stripe-Account` header. */
  canAccess(mode: Mode, id: string): boolean {
    if (id === this.platformId) return true;
    const account = this.byId.get(id);
    return account?.mode === mode && account.status === 'connected';
  }

  /** Connect events are addressed to every account that is or was connected in that mode. */
  isKnown(mode: Mode, id: string): boolean {
    return this.byId.get(id)?.mode === mode;
  }

  clear(): void {
    this.byId.clear();
  }
}
