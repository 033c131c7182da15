/** Ledger subject of a change record: `change:<key>`. */
export function changeSubject(changeKey: string): string {
  return `change:${changeKey}`;
}

/** Ledger subject of a governed flag in an environment: `flag:<envId>/<flagKey>`. */
export function flagSubject(envId: string, flagKey: string): string {
  return `flag:${envId}/${flagKey}`;
}
