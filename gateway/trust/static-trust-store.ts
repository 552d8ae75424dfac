import type { X509Certificate } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import { CertificatePathValidator } from './certificate-path-validator.js';
import type { SignerQuery, TrustStore, TrustedSigner } from './trust-store.js';

export interface StaticTrustStoreOptions {
  /** Trust anchors: every signer certificate must chain to one of them. */
  readonly anchors: readonly X509Certificate[];
  /** Intermediate CA certificates available for path building. */
  readonly intermediates?: readonly X509Certificate[];
  /**
   * Pinned signer certificates. Keyed by sender code, or '*' for "whoever the sender is" (the CLI's
   * `--cert`). With pins, a presented KeyInfo certificate must be one of them.
   */
  readonly pinned?: ReadonlyMap<string, readonly X509Certificate[]>;
  /**
   * Without a pin for the sender, accept the KeyInfo certificate when it chains to an anchor. This is the
   * CLI's `--ca` mode; it binds no certificate to a sender, which is why the registry replaces it in the hub.
   */
  readonly acceptChainedKeyInfo?: boolean;
}

/** A trust store from fixed certificates: the CLI's `--ca`/`--cert` and the test suites. */
export class StaticTrustStore implements TrustStore {
  private readonly validator: CertificatePathValidator;
  private readonly pinned: ReadonlyMap<string, readonly X509Certificate[]>;
  private readonly acceptChainedKeyInfo: boolean;

  constructor(options: StaticTrustStoreOptions) {
    this.validator = new CertificatePathValidator(options.anchors, options.intermediates ?? []);
    this.pinned = options.pinned ?? new Map();
    this.acceptChainedKeyInfo = options.acceptChainedKeyInfo ?? false;
  }

  async resolveSigner({ sender, presented, at }: SignerQuery): Promise<readonly TrustedSigner[]> {
    const pins = this.pinned.get(sender) ?? this.pinned.get('*');
    let candidates: readonly X509Certificate[];
    if (pins !== undefined && pins.length > 0) {
      if (presented !== undefined) {
        const match = pins.find((pin) => pin.fingerprint256 === presented.fingerprint256);
        if (match === undefined) throw new VkhidError('SIGNATURE_KEYINFO_MISMATCH', { args: [sender] });
        candidates = [match];
      } else {
        candidates = pins;
      }
    } else if (this.acceptChainedKeyInfo && presented !== undefined) {
      candidates = [presented];
    } else {
      throw new VkhidError('CERT_UNKNOWN_SIGNER', { args: [sender] });
    }
    const trusted: TrustedSigner[] = [];
    let firstError: unknown;
    for (const certificate of candidates) {
      try {
        await this.validator.validate(certificate, at);
        trusted.push(toTrustedSigner(certificate));
      } catch (error) {
        firstError ??= error;
      }
    }
    if (trusted.length === 0) throw firstError;
    return trusted;
  }
}

const signerCache = new WeakMap<X509Certificate, TrustedSigner>();

/** Wraps a certificate once; the KeyObject is reused so no call parses a key again. */
export function toTrustedSigner(certificate: X509Certificate): TrustedSigner {
  let signer = signerCache.get(certificate);
  if (signer === undefined) {
    signer = { certificate, publicKey: certificate.publicKey, fingerprint: certificate.fingerprint256 };
    signerCache.set(certificate, signer);
  }
  return signer;
}
