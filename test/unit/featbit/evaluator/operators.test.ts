import { describe, expect, it } from 'vitest';
import {
  MalformedFlagError,
  matchCondition,
  parseDotNetDouble,
  toFeatBitAttribute,
  userValue,
  type FeatBitUser,
} from '@featgate/openfeature/evaluator';
import type { Condition } from '../../../../src/featbit/model/index.js';

const noSegments = () => undefined;

function holds(op: string | null, ruleValue: string, value: string | undefined, property = 'attr'): boolean {
  const user: FeatBitUser = { keyId: 'k', customizedProperties: value === undefined ? {} : { [property]: value } };
  const condition: Condition = { property, op, value: ruleValue };
  return matchCondition(condition, user, noSegments);
}

describe('FeatBit condition operators (evaluation server semantics)', () => {
  it('compares numbers parsed like .NET double.TryParse, never like parseFloat', () => {
    expect(holds('BiggerThan', '22', '23')).toBe(true);
    expect(holds('BiggerThan', '22', '22')).toBe(false);
    expect(holds('BiggerEqualThan', '22', '22')).toBe(true);
    expect(holds('LessThan', '22', '21.5')).toBe(true);
    expect(holds('LessEqualThan', '22', '22.0')).toBe(true);
    expect(holds('BiggerThan', '10', '12abc')).toBe(false);
    expect(holds('BiggerThan', '999', '1,000')).toBe(true);
    expect(holds('LessThan', '10', ' 5 ')).toBe(true);
    expect(holds('LessThan', '10', '')).toBe(false);
    expect(holds('BiggerThan', 'abc', '5')).toBe(false);
    expect(holds('BiggerThan', 'NaN', '5')).toBe(false);
    expect(holds('BiggerThan', '1e3', 'Infinity')).toBe(true);
  });

  it('parses the number shapes .NET accepts and rejects the others', () => {
    expect(parseDotNetDouble('1e3')).toBe(1000);
    expect(parseDotNetDouble('-.5')).toBe(-0.5);
    expect(parseDotNetDouble('5.')).toBe(5);
    expect(parseDotNetDouble('1,2,3')).toBe(123);
    expect(parseDotNetDouble('-infinity')).toBe(Number.NEGATIVE_INFINITY);
    for (const bad of ['', '.', ',1', '1e', '0x10', '12abc', '1 2', '1.2.3', '(1)'])
      expect(parseDotNetDouble(bad)).toBeUndefined();
  });

  it('compares strings ordinally and case-sensitively', () => {
    expect(holds('Equal', 'Bob', 'Bob')).toBe(true);
    expect(holds('Equal', 'Bob', 'bob')).toBe(false);
    expect(holds('NotEqual', 'Bob', 'bob')).toBe(true);
    expect(holds('Contains', 'ob', 'Bob')).toBe(true);
    expect(holds('NotContain', 'OB', 'Bob')).toBe(true);
    expect(holds('StartsWith', 'Bo', 'Bob')).toBe(true);
    expect(holds('EndsWith', '_qa', 'ann_qa')).toBe(true);
    expect(holds('EndsWith', '_QA', 'ann_qa')).toBe(false);
  });

  it('uses the rule value as the regular expression, searching the user value', () => {
    expect(holds('MatchRegex', '^a.+z$', 'abcz')).toBe(true);
    expect(holds('MatchRegex', 'b', 'abc')).toBe(true);
    expect(holds('MatchRegex', 'abc', 'b')).toBe(false);
    expect(holds('NotMatchRegex', '^\\d+$', '12a')).toBe(true);
    expect(() => holds('MatchRegex', '(unclosed', 'x')).toThrow(MalformedFlagError);
  });

  it('reads IsOneOf values as a JSON string array and refuses anything else as malformed', () => {
    expect(holds('IsOneOf', '["cn","us"]', 'us')).toBe(true);
    expect(holds('IsOneOf', '["cn","us"]', 'u')).toBe(false);
    expect(holds('NotOneOf', '["cn","us"]', 'jp')).toBe(true);
    expect(holds('IsOneOf', 'null', 'jp')).toBe(false);
    expect(holds('NotOneOf', 'null', 'jp')).toBe(true);
    expect(() => holds('IsOneOf', '"cn,us"', 'cn')).toThrow(MalformedFlagError);
    expect(() => holds('IsOneOf', '[1,2]', '1')).toThrow(MalformedFlagError);
    expect(() => holds('NotOneOf', 'cn', 'cn')).toThrow(MalformedFlagError);
  });

  it('tests IsTrue and IsFalse ignoring case and ignoring the rule value', () => {
    expect(holds('IsTrue', 'IsTrue', 'TRUE')).toBe(true);
    expect(holds('IsTrue', 'whatever', 'true')).toBe(true);
    expect(holds('IsTrue', 'IsTrue', 'yes')).toBe(false);
    expect(holds('IsFalse', 'IsFalse', 'False')).toBe(true);
    expect(holds('IsFalse', 'IsFalse', 'false ')).toBe(false);
  });

  it('treats a missing custom attribute as an empty string and an unknown operator as no match', () => {
    expect(holds('NotEqual', 'x', undefined)).toBe(true);
    expect(holds('Equal', '', undefined)).toBe(true);
    expect(holds('Contains', 'x', undefined)).toBe(false);
    expect(holds('NotContain', 'x', undefined)).toBe(true);
    expect(holds('Matches', 'x', 'x')).toBe(false);
    expect(holds(null, 'x', 'x')).toBe(false);
  });

  it('matches nothing on a missing name, as the server does with its null name', () => {
    expect(matchCondition({ property: 'name', op: 'NotEqual', value: 'bob' }, { keyId: 'k' }, noSegments)).toBe(false);
    expect(
      matchCondition({ property: 'name', op: 'NotEqual', value: 'bob' }, { keyId: 'k', name: 'al' }, noSegments),
    ).toBe(true);
  });

  it('recompiles a condition whose value was replaced', () => {
    const condition: Condition = { property: 'attr', op: 'Equal', value: 'a' };
    const user = { keyId: 'k', customizedProperties: { attr: 'b' } };
    expect(matchCondition(condition, user, noSegments)).toBe(false);
    condition.value = 'b';
    expect(matchCondition(condition, user, noSegments)).toBe(true);
  });

  it('reads built-in properties first, then custom ones', () => {
    const user = { keyId: 'k1', name: 'Ann', customizedProperties: { keyId: 'shadow', team: 'red' } };
    expect(userValue(user, 'keyId')).toBe('k1');
    expect(userValue(user, 'name')).toBe('Ann');
    expect(userValue(user, 'team')).toBe('red');
    expect(userValue(user, 'absent')).toBe('');
    expect(userValue(user, ' ')).toBe('');
    expect(userValue(user, 'toString')).toBe('');
  });

  it('converts attribute values of any JSON type to FeatBit strings', () => {
    expect(toFeatBitAttribute(true)).toBe('true');
    expect(toFeatBitAttribute(false)).toBe('false');
    expect(toFeatBitAttribute(42)).toBe('42');
    expect(toFeatBitAttribute(1.5)).toBe('1.5');
    expect(toFeatBitAttribute('x')).toBe('x');
    expect(toFeatBitAttribute(null)).toBe('');
    expect(toFeatBitAttribute(undefined)).toBe('');
    expect(toFeatBitAttribute(['a', 1])).toBe('["a",1]');
    expect(toFeatBitAttribute({ a: true })).toBe('{"a":true}');
    expect(toFeatBitAttribute(new Date('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05.000Z');
  });
});
