import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { PurchaseDetails } from '../components/PurchaseDetails';

/** `stripe.dashboard.invoice.detail`: the commission the invoice earned, or why it earned none. */
const InvoiceDetail = (context: ExtensionContextValue) => (
  <PurchaseDetails context={context} fields={{ invoice_id: context.environment.objectContext?.id ?? '' }} />
);

export default InvoiceDetail;
