import { modeQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import { periodInput, periodOf } from '../../stats/period';
import * as Stats from '../../stats/stats';

/** `?from&to` (YYYY-MM-DD, UTC, both included; the last 30 days by default) and `?mode`. */
export const handler = merchantRoute({ query: modeQuery.extend(periodInput.shape) }, ({ merchantId, query }) =>
  Stats.forPeriod(merchantId, query.mode, periodOf(query, new Date())),
);
