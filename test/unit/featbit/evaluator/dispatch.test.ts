import { describe, expect, it } from 'vitest';
import { dispatchBucket, dispatchValueOf, isInRollout } from '@featgate/openfeature/evaluator';

describe('FeatBit bucketing', () => {
  it('reproduces the SDK test vectors of the reference', () => {
    expect(dispatchBucket('', 'test-value')).toBe(0.14653629204258323);
    expect(dispatchBucket('', 'qKPKh1S3FolC')).toBe(0.9105919692665339);
    expect(dispatchBucket('', '3eacb184-2d79-49df-9ea7-edd4f10e4c6f')).toBe(0.08994403155520558);
  });

  it('hashes the flag key and the dispatch value with no separator', () => {
    expect(dispatchBucket('example-flag', 'user-1')).toBe(0.006249519530683756);
    expect(dispatchBucket('example-flag', 'user-2')).toBe(0.03399231331422925);
    expect(dispatchBucket('example-flag', 'true-1')).toBe(0.6491621579043567);
    expect(dispatchBucket('my-flag', 'user-123')).toBe(0.734511227812618);
    expect(dispatchBucket('return-10p-true', 'user-1')).toBe(0.3708088989369571);
    expect(dispatchBucket('my-fla', 'guser-123')).toBe(dispatchBucket('my-flag', 'user-123'));
  });

  it('hashes UTF-8 bytes, including the empty string', () => {
    expect(dispatchBucket('', 'a')).toBe(0.5510939303785563);
    expect(dispatchBucket('', '')).toBe(0.3004114832729101);
    expect(dispatchBucket('', '中文')).toBe(0.2793801608495414);
  });

  it('treats [0, ~1] as everyone and [0, 0] as no one, other ranges inclusive at both ends', () => {
    expect(isInRollout(1, [0, 0.999995])).toBe(true);
    expect(isInRollout(0, [0, 0])).toBe(false);
    expect(isInRollout(0.2, [0, 0.2])).toBe(true);
    expect(isInRollout(0.2, [0.2, 1])).toBe(true);
    expect(isInRollout(0.2000001, [0, 0.2])).toBe(false);
    expect(isInRollout(0.5, [0.5, 0.5])).toBe(true);
    expect(isInRollout(1, [0, 0.99])).toBe(false);
  });

  it('dispatches on the user key when the dispatch key is blank, else on the attribute, missing as empty', () => {
    const user = { keyId: 'u1', name: 'Ann', customizedProperties: { team: 'red' } };
    expect(dispatchValueOf(user, null)).toBe('u1');
    expect(dispatchValueOf(user, undefined)).toBe('u1');
    expect(dispatchValueOf(user, '  ')).toBe('u1');
    expect(dispatchValueOf(user, 'keyId')).toBe('u1');
    expect(dispatchValueOf(user, 'team')).toBe('red');
    expect(dispatchValueOf(user, 'name')).toBe('Ann');
    expect(dispatchValueOf(user, 'region')).toBe('');
    expect(dispatchValueOf({ keyId: 'u2' }, 'name')).toBe('');
  });
});
