/**
 * FeatBit data that cannot be evaluated: an `IsOneOf` value that is not a JSON string array, an invalid regex,
 * a segment condition naming a segment that does not exist, a rollout naming an unknown variation. The
 * evaluation server refuses such a flag (`MalformedDataException`); `evaluateFlag` turns it into
 * `EvaluationKind.Error`, the lower-level matchers throw it so a caller never mistakes bad data for a match.
 * Its `code` is the stable `VALIDATION`, so callers can tell it apart without parsing the message.
 */
export class MalformedFlagError extends Error {
  readonly code = 'VALIDATION';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedFlagError';
  }
}
