import { z } from 'zod';
import { ActorKind } from './ledger-entry.js';

const hexHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** An actor as it may appear in an append or a stored entry. */
export const actorSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(ActorKind),
  roles: z.array(z.string()).optional(),
});

const entryDataSchema = z.record(z.string(), z.json());

/** What `LedgerStore.append` accepts: checked at the boundary so a bad caller gets field paths, not a broken chain. */
export const ledgerAppendSchema = z.object({
  type: z.string().min(1),
  actor: actorSchema,
  subject: z.string().min(1),
  data: entryDataSchema,
  at: z.iso.datetime({ offset: true }).optional(),
});

/** A stored entry, as read back from a store. */
export const ledgerEntrySchema = z.object({
  seq: z.number().int().positive(),
  type: z.string().min(1),
  at: z.string().min(1),
  actor: actorSchema,
  subject: z.string(),
  data: entryDataSchema,
  prevHash: hexHashSchema,
  hash: hexHashSchema,
});

/** The head of a chain as kept by a store's anchor (head file or head key). */
export const ledgerHeadSchema = z.object({
  seq: z.number().int().nonnegative(),
  hash: hexHashSchema,
});
