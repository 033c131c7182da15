import { parseDotNetDouble } from './dotnet-double.js';
import { compileRuleRegex } from './dotnet-regex.js';
import { MalformedFlagError } from './malformed-flag-error.js';
import { OperatorType } from './operator-type.js';

/** A condition's operator and rule value compiled once into a test of the user's value. */
export type ValueMatcher = (userValue: string) => boolean;

const TRUE_WORD = /^true$/i;
const FALSE_WORD = /^false$/i;

/**
 * Compiles an operator and its rule value into a matcher with the evaluation server's semantics (`Operator.cs`):
 * numeric ops parse both sides like .NET `double.TryParse` and are false when either is not a number or NaN;
 * Equal/NotEqual/Contains/StartsWith/EndsWith are ordinal and case-sensitive; MatchRegex searches the user value
 * with the rule value as a .NET pattern, run by a linear-time engine (`compileRuleRegex`); IsOneOf/NotOneOf read the rule value as a JSON string array (JSON `null`:
 * IsOneOf false, NotOneOf true); IsTrue/IsFalse compare with `true`/`false` ignoring case; unknown ops never match.
 * Bad rule data (invalid regex, a list that is not a JSON string array) throws `MalformedFlagError` when the
 * matcher first runs, as the server fails the evaluation then.
 */
export function compileOperator(op: string | null, ruleValue: string): ValueMatcher {
  switch (op) {
    case OperatorType.LessThan:
      return numeric(ruleValue, (user, rule) => user < rule);
    case OperatorType.LessEqualThan:
      return numeric(ruleValue, (user, rule) => user <= rule);
    case OperatorType.BiggerThan:
      return numeric(ruleValue, (user, rule) => user > rule);
    case OperatorType.BiggerEqualThan:
      return numeric(ruleValue, (user, rule) => user >= rule);
    case OperatorType.Equal:
      return (user) => user === ruleValue;
    case OperatorType.NotEqual:
      return (user) => user !== ruleValue;
    case OperatorType.Contains:
      return (user) => user.includes(ruleValue);
    case OperatorType.NotContain:
      return (user) => !user.includes(ruleValue);
    case OperatorType.StartsWith:
      return (user) => user.startsWith(ruleValue);
    case OperatorType.EndsWith:
      return (user) => user.endsWith(ruleValue);
    case OperatorType.MatchRegex:
      return lazy(() => {
        const pattern = compileRuleRegex(ruleValue);
        return (user) => pattern.test(user);
      });
    case OperatorType.NotMatchRegex:
      return lazy(() => {
        const pattern = compileRuleRegex(ruleValue);
        return (user) => !pattern.test(user);
      });
    case OperatorType.IsOneOf:
      return lazy(() => {
        const values = parseStringList(ruleValue);
        return values === null ? () => false : (user) => values.has(user);
      });
    case OperatorType.NotOneOf:
      return lazy(() => {
        const values = parseStringList(ruleValue);
        return values === null ? () => true : (user) => !values.has(user);
      });
    case OperatorType.IsTrue:
      return (user) => TRUE_WORD.test(user);
    case OperatorType.IsFalse:
      return (user) => FALSE_WORD.test(user);
    default:
      return () => false;
  }
}

function numeric(ruleValue: string, compare: (user: number, rule: number) => boolean): ValueMatcher {
  const rule = parseDotNetDouble(ruleValue);
  if (rule === undefined || Number.isNaN(rule)) return () => false;
  return (userValue) => {
    const user = parseDotNetDouble(userValue);
    return user !== undefined && !Number.isNaN(user) && compare(user, rule);
  };
}

function lazy(build: () => ValueMatcher): ValueMatcher {
  let built: ValueMatcher | undefined;
  return (userValue) => {
    built ??= build();
    return built(userValue);
  };
}

/** Reads a FeatBit list value (a JSON array of strings, possibly `null`); anything else is malformed data. */
export function parseStringList(ruleValue: string): ReadonlySet<string | null> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ruleValue);
  } catch (error) {
    throw new MalformedFlagError(`rule condition value is not a JSON string array: ${ruleValue}`, { cause: error });
  }
  if (parsed === null) return null;
  if (!Array.isArray(parsed) || !parsed.every((item) => item === null || typeof item === 'string')) {
    throw new MalformedFlagError(`rule condition value is not a JSON string array: ${ruleValue}`);
  }
  return new Set(parsed as (string | null)[]);
}
