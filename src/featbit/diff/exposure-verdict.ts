/**
 * How the set of contexts receiving a variation (or belonging to a segment) moved between two states. Sound:
 * `Unchanged` and `Narrowed` are only claimed with a proof; anything unproven is `Widened`.
 */
export enum ExposureVerdict {
  Unchanged = 'unchanged',
  Narrowed = 'narrowed',
  Widened = 'widened',
}
