import * as z from 'zod';

export const jobParam = z.object({ jobId: z.string().min(1).max(64) });

/** `YYYY-MM-DD`, a real calendar day (UTC). */
export const importDay = z.iso.date();
