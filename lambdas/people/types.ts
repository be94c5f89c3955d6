/**
 * Who a person is once signed in: a team member of a merchant in the console, or an invited
 * affiliate in the portal. The console and portal pages (lambdas/console/, lambdas/portal/) build on these.
 */
export const areas = ['console', 'portal'] as const;
export type Area = (typeof areas)[number];

export const roles = ['owner', 'admin', 'viewer'] as const;
export type Role = (typeof roles)[number];

export interface ConsoleIdentity {
  area: 'console';
  email: string;
  merchantId: string;
  role: Role;
}

export interface PortalIdentity {
  area: 'portal';
  email: string;
  merchantId: string;
  affiliateId: string;
}

export type Identity = ConsoleIdentity | PortalIdentity;

/** A signed-in browser: its identity (the member's role as it is now), its CSRF token and when it ends (ISO time). */
export type Session = Identity & { csrfToken: string; expiresAt: string };

export interface NewSession {
  sessionId: string;
  /** `Set-Cookie` value holding the session secret. */
  cookie: string;
  csrfToken: string;
  expiresAt: string;
}

/** A merchant's team member, as the team list and the API show it. */
export interface Member {
  merchantId: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  invitedAt: string;
  updatedAt: string;
}
