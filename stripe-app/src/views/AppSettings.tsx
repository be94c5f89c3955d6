import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { Box, Inline, Link, SettingsView } from '@stripe/ui-extension-sdk/ui';
import { consoleUrl, useTally } from '../api';
import { Loading, NotConnected } from '../components/Loading';
import type { Stats } from '../tally';

/** `settings`: which Tally merchant this account is connected to in this mode, or a link to connect it. */
const AppSettings = (context: ExtensionContextValue) => {
  // The shortest period: only the merchant the stats belong to is shown.
  const today = new Date().toISOString().slice(0, 10);
  const loaded = useTally<Stats>(context, 'stats', { from: today, to: today });
  const mode = context.environment.mode;
  return (
    <SettingsView>
      <Loading loaded={loaded} missing={<NotConnected connectUrl={consoleUrl(context, '/console/stripe')} />}>
        {({ merchant }) => (
          <Box css={{ stack: 'y', gap: 'small' }}>
            <Inline>
              In {mode} mode this account is connected to the Tally merchant <Inline css={{ font: 'bodyEmphasized' }}>{merchant.name}</Inline> ({merchant.id}).
            </Inline>
            <Link href={consoleUrl(context, '/console/stripe')} external target="_blank">
              Manage the connection in Tally
            </Link>
          </Box>
        )}
      </Loading>
    </SettingsView>
  );
};

export default AppSettings;
