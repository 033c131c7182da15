import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Duration text such as `30m`, `24h`, `7d` or `1w`: one positive integer and one unit (s, m, h, d, w). */
export const durationSchema = z
  .string()
  .regex(
    /^[1-9][0-9]*[smhdw]$/,
    'expected a duration such as 30m, 24h, 7d or 2w (one number and one unit of s, m, h, d, w)',
  );

/** Milliseconds a duration text stands for; throws on text that `durationSchema` rejects. */
export function durationMs(text: string): number {
  const match = /^([1-9][0-9]*)([smhdw])$/.exec(text);
  if (!match) throw new RangeError(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
