import type { KeyObject, X509Certificate } from 'node:crypto';

/** What the verifier asks the trust store: who claims to have signed, with which certificate, and when. */
export interface SignerQuery {
  /** The sender's participant code (ЄДРПОУ) from the envelope header. */
  readonly sender: string;
  /** The certificate the document presents in KeyInfo, if any. It is a hint, never a trust decision. */
  readonly presented: X509Certificate | undefined;
  /** The moment the signature is judged at (normally now). */
  readonly at: Date;
}

/** A certificate the trust store vouches for, with its public key ready for use. */
export interface TrustedSigner {
  readonly certificate: X509Certificate;
  readonly publicKey: KeyObject;
  /** SHA-256 fingerprint of the certificate (hex, colon-separated, as Node formats it). */
  readonly fingerprint: string;
}

/**
 * The trust decisions of signature verification, kept behind one interface so that the verifier never
 * decides trust itself. Implementations: `StaticTrustStore` (CA anchors and pinned certificates, for the
 * CLI and tests) and the participant registry (later).
 *
 * `resolveSigner` returns the certificates whose keys may verify a signature by `sender` at `at`, most
 * likely first; it throws a coded VkhidError (CERT_*, SIGNATURE_KEYINFO_MISMATCH) when there is none. The
 * key that verifies always comes from this answer, never from KeyInfo alone.
 */
export interface TrustStore {
  resolveSigner(query: SignerQuery): Promise<readonly TrustedSigner[]>;
}
