/** Exit codes every featgate command uses, so scripts can rely on them. */
export enum ExitCode {
  Ok = 0,
  /** A check failed: invalid policy, broken ledger chain, refused request. */
  CheckFailed = 1,
  /** Wrong usage, unreadable input or an unexpected error. */
  Error = 2,
}
