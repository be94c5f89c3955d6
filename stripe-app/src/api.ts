import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { fetchStripeSignature } from '@stripe/ui-extension-sdk/utils';
import { useEffect, useState } from 'react';

/** Tally's answer when it is not a 2xx: its error `type` (`not_found`, `unauthorized`…) and message. */
export class TallyError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The Tally deployment the manifest was built for (scripts/manifest.ts sets `constants.TALLY_URL`). */
export const tallyUrl = (context: ExtensionContextValue): string => {
  const constants = context.environment.constants as { TALLY_URL?: unknown } | undefined;
  if (typeof constants?.TALLY_URL !== 'string') throw new Error('The app was built without constants.TALLY_URL');
  return constants.TALLY_URL;
};

/** The console on the same mode and period as the app (the console reads `mode`, `from` and `to`). */
export const consoleUrl = (context: ExtensionContextValue, path = '/console/', query: Record<string, string> = {}): string => {
  const url = new URL(path, tallyUrl(context));
  url.searchParams.set('mode', context.environment.mode);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
};

export type Route = 'stats' | 'customer' | 'purchase';

/**
 * One signed call: Stripe signs the Dashboard user and account (`fetchStripeSignature()`), Tally
 * checks the signature over exactly those two fields, and the mode tells which of the account's
 * connections to read (Stripe does not sign it).
 */
export const callTally = async <T>(context: ExtensionContextValue, route: Route, fields: Record<string, unknown> = {}): Promise<T> => {
  const signature = await fetchStripeSignature();
  const body = { user_id: context.userContext.id, account_id: context.userContext.account.id, mode: context.environment.mode, ...fields };
  const response = await fetch(`${tallyUrl(context)}/stripe-app/${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => null)) as { error?: { type?: string; message?: string } } | null;
  if (!response.ok) throw new TallyError(response.status, answer?.error?.type ?? 'unknown', answer?.error?.message ?? `Tally answered ${response.status}.`);
  return answer as T;
};

export type Loaded<T> = { state: 'loading' } | { state: 'missing' } | { state: 'error'; message: string } | { state: 'loaded'; data: T };

/** A call made when the view opens and again whenever `fields` change; a 404 is `missing`, not an error. */
export const useTally = <T>(context: ExtensionContextValue, route: Route, fields: Record<string, unknown>): Loaded<T> => {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const key = JSON.stringify([context.environment.mode, context.userContext.account.id, route, fields]);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    callTally<T>(context, route, fields).then(
      (data) => current && setLoaded({ state: 'loaded', data }),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof TallyError && error.status === 404) setLoaded({ state: 'missing' });
        else setLoaded({ state: 'error', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      current = false;
    };
    // `key` stands for everything the call depends on (fields is a new object on every render).
  }, [key]);
  return loaded;
};
