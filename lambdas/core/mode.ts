import * as z from 'zod';

/** Stripe's two worlds. Every record belongs to one; test figures never touch live ones. */
export const modes = ['live', 'test'] as const;
export const modeSchema = z.enum(modes);
export type Mode = z.infer<typeof modeSchema>;

export const modeOf = (livemode: boolean): Mode => (livemode ? 'live' : 'test');
