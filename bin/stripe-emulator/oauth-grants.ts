import type { Mode } from './defaults';
import { randomString } from './ids';

export interface AuthorizationCode {
  code: string;
  mode: Mode;
  account: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  usedAt: number | null;
  /** Access tokens issued for this code: Stripe revokes them if the code is presented again. */
  issued: string[];
}

export interface AccessGrant {
  mode: Mode;
  account: string;
  scope: string;
  accessToken: string;
  refreshToken: string;
}

/** How the next `GET /oauth/authorize` ends, as planned by a test through the control API. */
export interface PlannedAuthorization {
  outcome: 'approve' | 'deny';
  /** Reconnect this existing account instead of creating a new one. */
  accountId?: string;
}

export const CODE_TTL_SECONDS = 5 * 60;

/** Authorization codes and the tokens exchanged for them. */
export class OAuthGrants {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly refreshTokens = new Map<string, AccessGrant>();
  private planned: PlannedAuthorization[] = [];

  issueCode(mode: Mode, account: string, clientId: string, scope: string, now: number): AuthorizationCode {
    const code: AuthorizationCode = {
      code: `ac_${randomString(32)}`,
      mode,
      account,
      clientId,
      scope,
      expiresAt: now + CODE_TTL_SECONDS,
      usedAt: null,
      issued: [],
    };
    this.codes.set(code.code, code);
    return code;
  }

  code(value: string): AuthorizationCode | undefined {
    return this.codes.get(value);
  }

  issueTokens(mode: Mode, account: string, scope: string): AccessGrant {
    const grant: AccessGrant = {
      mode,
      account,
      scope,
      accessToken: `sk_${mode}_${randomString(99)}`,
      refreshToken: `rt_${randomString(60)}`,
    };
    this.accessTokens.set(grant.accessToken, grant);
    this.refreshTokens.set(grant.refreshToken, grant);
    return grant;
  }

  accessToken(token: string): AccessGrant | undefined {
    return this.accessTokens.get(token);
  }

  refreshToken(token: string): AccessGrant | undefined {
    return this.refreshTokens.get(token);
  }

  revoke(accessTokens: string[]): void {
    for (const token of accessTokens) {
      const grant = this.accessTokens.get(token);
      this.accessTokens.delete(token);
      if (grant) this.refreshTokens.delete(grant.refreshToken);
    }
  }

  /** A deauthorized account's tokens stop working. */
  revokeAccount(account: string): void {
    this.revoke([...this.accessTokens.values()].filter((grant) => grant.account === account).map((grant) => grant.accessToken));
  }

  plan(next: PlannedAuthorization): void {
    this.planned.push(next);
  }

  takePlanned(): PlannedAuthorization | undefined {
    return this.planned.shift();
  }

  clear(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.planned = [];
  }
}
