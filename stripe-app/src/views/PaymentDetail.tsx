import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { PurchaseDetails } from '../components/PurchaseDetails';

/** `stripe.dashboard.payment.detail`: the page's payment intent (or, for an older payment, its charge). */
const PaymentDetail = (context: ExtensionContextValue) => {
  const id = context.environment.objectContext?.id ?? '';
  return <PurchaseDetails context={context} fields={id.startsWith('ch_') ? { charge_id: id } : { payment_intent_id: id }} />;
};

export default PaymentDetail;
