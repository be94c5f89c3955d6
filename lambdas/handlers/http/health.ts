import { publicRoute } from '../../http/route';

export const handler = publicRoute({}, async () => ({ ok: true }));
