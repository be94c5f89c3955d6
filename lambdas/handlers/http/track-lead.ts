import { leadInput } from '../../tracking/schema';
import * as Tracking from '../../tracking/tracking';
import { trackRoute } from './track-route';

/** A lead from a merchant's website → 202 `{accepted}`, whether or not an affiliate is credited. */
export const handler = trackRoute(leadInput, async (input, client) => {
  await Tracking.recordLead(input, client);
  return {};
});
