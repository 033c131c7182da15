import { z } from 'zod';
import { ChangeStatus } from '../changes/model/index.js';
import type { ChangeView } from '../changes/index.js';

/** One row of the inbox: enough to choose a change, never its values (a 20 KB prompt stays on its own page). */
export const inboxItemSchema = z.object({
  key: z.string(),
  title: z.string(),
  status: z.enum(ChangeStatus),
  tier: z.string(),
  owner: z.string(),
  requester: z.string(),
  environment: z.string(),
  flags: z.array(z.string()),
  /** The change waits for the viewer: open, not theirs, and a role of theirs is still needed. */
  waitingOnMe: z.boolean(),
  /** Roles whose approval is still missing. */
  missingRoles: z.array(z.string()),
  updatedAt: z.string(),
});
export type InboxItem = z.infer<typeof inboxItemSchema>;

/** Answer of the inbox: the matching rows, newest first, and counts over every change by status. */
export const inboxSchema = z.object({
  items: z.array(inboxItemSchema),
  counts: z.record(z.string(), z.number().int()),
  waitingOnMe: z.number().int(),
  /** Filter values the viewer can choose from, taken from every change. */
  choices: z.object({ environments: z.array(z.string()), owners: z.array(z.string()), flags: z.array(z.string()) }),
});
export type Inbox = z.infer<typeof inboxSchema>;

/** Filters of the inbox. */
export const inboxQuerySchema = z.strictObject({
  status: z.enum(ChangeStatus).optional(),
  tier: z.string().max(40).optional(),
  flag: z.string().min(1).max(200).optional(),
  owner: z.string().min(1).max(200).optional(),
  environment: z.string().min(1).max(200).optional(),
  waitingOnMe: z.enum(['true', 'false']).optional(),
});
export type InboxQuery = z.infer<typeof inboxQuerySchema>;

interface MissingItems {
  readonly roles?: readonly { readonly anyOf: readonly string[] }[];
}

/** The inbox of one viewer from every change and the keys of those waiting on the viewer. */
export function inboxOf(all: readonly ChangeView[], waiting: ReadonlySet<string>, query: InboxQuery): Inbox {
  const counts: Record<string, number> = {};
  const sets = { environments: new Set<string>(), owners: new Set<string>(), flags: new Set<string>() };
  const items: InboxItem[] = [];
  for (const view of all) {
    counts[view.status] = (counts[view.status] ?? 0) + 1;
    sets.environments.add(view.record.environment);
    sets.owners.add(view.owner);
    for (const flag of view.record.flags) sets.flags.add(flag.key);
    if (query.status && view.status !== query.status) continue;
    if (query.tier && view.tier !== query.tier) continue;
    if (query.owner && view.owner !== query.owner) continue;
    if (query.environment && view.record.environment !== query.environment) continue;
    if (query.flag && !view.record.flags.some((flag) => flag.key === query.flag)) continue;
    if (query.waitingOnMe === 'true' && !waiting.has(view.key)) continue;
    const missing = (view.decision.missing ?? {}) as MissingItems;
    items.push({
      key: view.key,
      title: view.title,
      status: view.status,
      tier: view.tier,
      owner: view.owner,
      requester: view.requester,
      environment: view.record.environment,
      flags: view.record.flags.map((flag) => flag.key),
      waitingOnMe: waiting.has(view.key),
      missingRoles: [...new Set((missing.roles ?? []).flatMap((requirement) => requirement.anyOf))],
      updatedAt: view.updatedAt,
    });
  }
  items.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.key.localeCompare(b.key));
  const sorted = (set: Set<string>) => [...set].sort();
  return {
    items,
    counts,
    waitingOnMe: waiting.size,
    choices: { environments: sorted(sets.environments), owners: sorted(sets.owners), flags: sorted(sets.flags) },
  };
}
