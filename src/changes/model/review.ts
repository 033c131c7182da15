import { z } from 'zod';

/** What a reviewer decided. */
export enum ReviewDecision {
  Approve = 'approve',
  Reject = 'reject',
}

/** One review of a change record; `roles` are the reviewer's roles when they reviewed (from their identity). */
export const reviewSchema = z.strictObject({
  reviewer: z.string().min(1),
  roles: z.array(z.string().min(1)).default([]),
  decision: z.enum(ReviewDecision),
  comment: z.string().default(''),
  at: z.iso.datetime({ offset: true }),
  /** The reviewer's other identities when they reviewed (an OIDC e-mail), so the identity mapping finds their person. */
  aliases: z.array(z.string().min(1).max(320)).max(10).optional(),
  /** Record revision the reviewer saw and decided on (the change view's `revision`). */
  revision: z.number().int().min(1).optional(),
});
export type Review = z.infer<typeof reviewSchema>;
