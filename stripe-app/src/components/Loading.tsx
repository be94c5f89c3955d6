import { Banner, Box, Link, Spinner } from '@stripe/ui-extension-sdk/ui';
import type { ReactNode } from 'react';
import type { Loaded } from '../api';

/**
 * The three states of a view before it has data: loading, Tally has nothing for it (`missing`,
 * a 404: the account is not connected, or Tally never saw the object), and an error.
 */
export const Loading = <T,>({ loaded, missing, children }: { loaded: Loaded<T>; missing: ReactNode; children: (data: T) => ReactNode }) => {
  if (loaded.state === 'loading')
    return (
      <Box css={{ stack: 'x', alignX: 'center', padding: 'large' }}>
        <Spinner size="large" />
      </Box>
    );
  if (loaded.state === 'missing') return <>{missing}</>;
  if (loaded.state === 'error') return <Banner type="critical" title="Tally could not answer" description={loaded.message} />;
  return <>{children(loaded.data)}</>;
};

/** What a view shows when its account is connected to no Tally merchant in this mode. */
export const NotConnected = ({ connectUrl }: { connectUrl: string }) => (
  <Box css={{ stack: 'y', gap: 'small' }}>
    <Banner type="caution" title="This Stripe account is not connected to Tally" description="Connect it from Tally's console to see your affiliates here." />
    <Link href={connectUrl} external target="_blank">
      Connect to Tally
    </Link>
  </Box>
);
