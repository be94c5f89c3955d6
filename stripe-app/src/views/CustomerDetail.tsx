import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { Badge, Banner, Box, ContextView, Divider, Inline, PropertyList, PropertyListItem } from '@stripe/ui-extension-sdk/ui';
import { useTally } from '../api';
import { Loading } from '../components/Loading';
import { statusBadge } from '../components/PurchaseDetails';
import { formatDay, formatMoney, sourceLabel } from '../format';
import type { CustomerView } from '../tally';

/** `stripe.dashboard.customer.detail`: who referred the customer, how and since when, and what they bought. */
const CustomerDetail = (context: ExtensionContextValue) => {
  const loaded = useTally<CustomerView>(context, 'customer', { customer_id: context.environment.objectContext?.id ?? '' });
  const locale = context.userContext.locale;
  return (
    <ContextView title="Affiliate referral">
      <Loading
        loaded={loaded}
        missing={<Banner title="Not in Tally" description="No affiliate referred this customer, and Tally has recorded no purchase of theirs in this mode." />}
      >
        {({ referral, purchases, morePurchases }) => (
          <Box css={{ stack: 'y', gap: 'medium' }}>
            {referral ? (
              <PropertyList>
                <PropertyListItem label="Referred by" value={referral.affiliate ? (referral.affiliate.name ?? referral.affiliate.referralCode) : 'A deleted affiliate'} />
                {referral.affiliate && <PropertyListItem label="Referral code" value={referral.affiliate.referralCode} />}
                <PropertyListItem label="How" value={sourceLabel[referral.source]} />
                <PropertyListItem label="Since" value={formatDay(referral.since, locale)} />
                {referral.affiliate?.status === 'archived' && <PropertyListItem label="Affiliate" value={<Badge type="warning">archived</Badge>} />}
              </PropertyList>
            ) : (
              <Banner title="No affiliate referred this customer" />
            )}
            <Divider />
            <Inline css={{ font: 'heading' }}>Purchases</Inline>
            {purchases.length === 0 && <Inline css={{ color: 'secondary' }}>No purchases yet.</Inline>}
            {purchases.map((purchase) => (
              <Box key={purchase.id} css={{ stack: 'y' }}>
                <Inline css={{ font: 'bodyEmphasized' }}>
                  {formatDay(purchase.occurredAt, locale)} · {formatMoney(purchase.total, locale)}
                </Inline>
                {purchase.commission ? (
                  <Inline>
                    Commission {formatMoney(purchase.commission.amount, locale)}{' '}
                    <Badge type={statusBadge[purchase.commission.status]}>{purchase.commission.status}</Badge>
                  </Inline>
                ) : (
                  <Inline css={{ color: 'secondary' }}>No commission: {purchase.noCommissionReason}</Inline>
                )}
              </Box>
            ))}
            {morePurchases && <Inline css={{ color: 'secondary' }}>Older purchases are in Tally's console.</Inline>}
          </Box>
        )}
      </Loading>
    </ContextView>
  );
};

export default CustomerDetail;
