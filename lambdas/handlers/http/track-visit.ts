import { visitInput } from '../../tracking/schema';
import * as Tracking from '../../tracking/tracking';
import { trackRoute } from './track-route';

/** A referral visit from a merchant's website → 202 `{accepted, cookieWindowDays}`, whatever the code. */
export const handler = trackRoute(visitInput, Tracking.recordVisit);
