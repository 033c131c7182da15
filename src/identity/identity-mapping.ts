import { z } from 'zod';

const identity = z.string().trim().min(1).max(320);
const identities = z.array(identity).max(50).default([]);

/** One person and every spelling of them the service meets: e-mails, OIDC subjects, API token names, FeatBit users. */
export const personSchema = z.strictObject({
  /** The person's id in explanations (e.g. `alice`). */
  id: z.string().trim().min(1).max(120),
  /** E-mail addresses (compared case-folded). */
  emails: z.array(z.email().max(320)).max(50).default([]),
  /** OIDC subject claims. */
  oidcSubjects: identities,
  /** Names of API tokens the person holds. */
  tokens: identities,
  /** FeatBit user names (the operator name FeatBit's audit log and webhooks give) and FeatBit login e-mails. */
  featbitUsers: identities,
});
export type Person = z.infer<typeof personSchema>;

/** `identity.people`: the identity mapping; an identity may belong to one person only. */
export const peopleSchema = z
  .array(personSchema)
  .max(10_000)
  .default([])
  .superRefine((people, ctx) => {
    const owners = new Map<string, string>();
    const ids = new Set<string>();
    people.forEach((person, index) => {
      const id = foldIdentity(person.id);
      if (ids.has(id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `person ${person.id} is listed twice` });
      ids.add(id);
      for (const spelling of spellingsOf(person)) {
        const owner = owners.get(spelling);
        if (owner !== undefined && owner !== person.id) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `identity ${spelling} belongs to ${owner} and ${person.id}; one identity names one person`,
          });
        }
        owners.set(spelling, person.id);
      }
    });
  });
export type PeopleConfig = z.input<typeof peopleSchema>;

/**
 * How two spellings of an identity compare: Unicode-normalised (NFKC), trimmed and case-folded. Folding every
 * identity (not only e-mails) can only merge spellings, never split them, so separation of duties errs toward
 * excluding a reviewer.
 */
export function foldIdentity(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

function spellingsOf(person: Person): string[] {
  return [person.id, ...person.emails, ...person.oidcSubjects, ...person.tokens, ...person.featbitUsers].map(
    foldIdentity,
  );
}

/**
 * Ties the identities of one person together, so separation of duties compares people, not strings: `Alice@Corp`,
 * the token `alice-ci`, the OIDC subject `00u1…` and the FeatBit operator `Alice Smith` are one principal when the
 * mapping says so. An identity the mapping does not name is a person of its own (case-folded).
 */
export class IdentityMapping {
  private readonly byIdentity: ReadonlyMap<string, string>;

  constructor(people: readonly Person[] = []) {
    const byIdentity = new Map<string, string>();
    for (const person of people)
      for (const spelling of spellingsOf(person)) byIdentity.set(spelling, `person:${foldIdentity(person.id)}`);
    this.byIdentity = byIdentity;
  }

  /** Builds the mapping from configuration (`identity.people`), validating it. */
  static fromConfig(people: PeopleConfig | undefined): IdentityMapping {
    return new IdentityMapping(peopleSchema.parse(people ?? []));
  }

  /** The person an identity belongs to: a stable key equal for every spelling of one person. */
  personOf(identity: string): string {
    const folded = foldIdentity(identity);
    return this.byIdentity.get(folded) ?? folded;
  }

  /**
   * The person behind a caller with several identities (an OIDC subject and its e-mail): the first one the mapping
   * names decides; when it names none, the caller's own id (case-folded).
   */
  personOfPrincipal(principal: { readonly id: string; readonly aliases?: readonly string[] }): string {
    for (const identity of [principal.id, ...(principal.aliases ?? [])]) {
      const person = this.byIdentity.get(foldIdentity(identity));
      if (person) return person;
    }
    return foldIdentity(principal.id);
  }

  /** Whether two identities are the same person. */
  samePerson(a: string, b: string): boolean {
    return this.personOf(a) === this.personOf(b);
  }

  /** The person of any of several identities of one caller (e.g. a token name and an e-mail claim). */
  personOfAny(identities: readonly string[]): string[] {
    return [...new Set(identities.map((one) => this.personOf(one)))];
  }
}

/** The mapping used when the service is given none: every identity is its own person, case-folded. */
export const NO_PEOPLE = new IdentityMapping();
