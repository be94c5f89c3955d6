import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { Badge, Banner, Box, ContextView, Divider, Inline, PropertyList, PropertyListItem } from '@stripe/ui-extension-sdk/ui';
import { useTally } from '../api';
import { formatDay, formatMoney, sourceLabel } from '../format';
import type { Commission, CommissionStatus, PurchaseView } from '../tally';
import { Loading } from './Loading';

export const statusBadge: Record<CommissionStatus, 'neutral' | 'info' | 'positive' | 'warning' | 'negative'> = {
  pending: 'info',
  approved: 'positive',
  held: 'warning',
  reversed: 'negative',
  paid: 'neutral',
};

export const CommissionLines = ({ commission, locale }: { commission: Commission; locale: string }) => (
  <Box css={{ stack: 'y', gap: 'small' }}>
    {commission.lines.map((line, index) => (
      <Box key={index} css={{ stack: 'y' }}>
        <Inline css={{ font: 'bodyEmphasized' }}>
          {line.type} {formatMoney(line.amount, locale)}
        </Inline>
        <Inline css={{ color: 'secondary' }}>
          {line.reason} · {formatDay(line.at, locale)}
        </Inline>
      </Box>
    ))}
  </Box>
);

/** The invoice and payment views: which purchase of Tally's ledger this is, and what it earned. */
export const PurchaseDetails = ({ context, fields }: { context: ExtensionContextValue; fields: Record<string, string> }) => {
  const loaded = useTally<PurchaseView>(context, 'purchase', fields);
  const locale = context.userContext.locale;
  return (
    <ContextView title="Affiliate commission">
      <Loading
        loaded={loaded}
        missing={<Banner title="No purchase in Tally" description="Tally has not recorded this as a purchase of a connected account in this mode." />}
      >
        {({ purchase, affiliate, reason }) => {
          if (!purchase) return <Banner title="Not a purchase" description={reason ?? undefined} />;
          const { commission } = purchase;
          return (
            <Box css={{ stack: 'y', gap: 'medium' }}>
              <PropertyList>
                <PropertyListItem label="Affiliate" value={affiliate ? (affiliate.name ?? affiliate.referralCode) : 'None'} />
                {purchase.source && <PropertyListItem label="Referred by" value={sourceLabel[purchase.source]} />}
                <PropertyListItem label="Total" value={formatMoney(purchase.total, locale)} />
                {purchase.refunded.amount > 0 && <PropertyListItem label="Refunded" value={formatMoney(purchase.refunded, locale)} />}
                <PropertyListItem label="Commission" value={commission ? formatMoney(commission.amount, locale) : 'None'} />
              </PropertyList>
              {commission && (
                <Inline>
                  Status <Badge type={statusBadge[commission.status]}>{commission.status}</Badge>
                </Inline>
              )}
              {reason && <Banner title="Why no commission" description={reason} />}
              {commission && (
                <>
                  <Divider />
                  <CommissionLines commission={commission} locale={locale} />
                </>
              )}
            </Box>
          );
        }}
      </Loading>
    </ContextView>
  );
};
