import type { LedgerStore } from './ledger-store.js';
import type { LedgerVerification } from './ledger-verification.js';

/** A ledger store that can also check its own chain, as `featgate audit verify` does. */
export interface VerifiableLedgerStore extends LedgerStore {
  /** Verifies every stored record and the head anchor; see `verifyLedger`. */
  verify(): Promise<LedgerVerification>;
}
