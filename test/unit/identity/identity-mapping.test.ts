import { describe, expect, it } from 'vitest';
import { IdentityMapping, peopleSchema } from '../../../src/identity/index.js';

describe('IdentityMapping', () => {
  const people = IdentityMapping.fromConfig([
    {
      id: 'alice',
      emails: ['alice@corp.example'],
      oidcSubjects: ['00u1abc'],
      tokens: ['alice-ci'],
      featbitUsers: ['Alice Smith'],
    },
    { id: 'bob', tokens: ['bob-admin'] },
  ]);

  it('makes every spelling of one person the same person: e-mail case, OIDC subject, token name, FeatBit user', () => {
    for (const spelling of [
      'Alice@Corp.example',
      ' alice@corp.example ',
      '00u1abc',
      'alice-ci',
      'alice smith',
      'ALICE',
    ]) {
      expect(people.samePerson(spelling, 'alice@corp.example'), spelling).toBe(true);
    }
    expect(people.samePerson('alice-ci', 'bob-admin')).toBe(false);
  });

  it('treats an identity the mapping does not name as a person of its own, case-folded and normalised', () => {
    expect(people.samePerson('Carol', 'carol')).toBe(true);
    expect(people.samePerson('ｃａｒｏｌ', 'carol')).toBe(true);
    expect(people.samePerson('carol', 'dave')).toBe(false);
    expect(new IdentityMapping().samePerson('Dana@Example.com', 'dana@example.com')).toBe(true);
  });

  it('refuses a mapping that gives one identity to two people, or lists a person twice', () => {
    const twice = peopleSchema.safeParse([
      { id: 'alice', tokens: ['shared'] },
      { id: 'bob', tokens: ['Shared'] },
    ]);
    expect(twice.success).toBe(false);
    expect(twice.error?.issues[0]?.message).toBe(
      'identity shared belongs to alice and bob; one identity names one person',
    );
    expect(peopleSchema.safeParse([{ id: 'alice' }, { id: 'Alice' }]).success).toBe(false);
    expect(peopleSchema.safeParse([{ id: 'alice', emails: ['not an e-mail'] }]).success).toBe(false);
  });
});
