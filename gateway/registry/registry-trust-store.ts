import { X509Certificate } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import { CertificatePathValidator } from '../trust/certificate-path-validator.js';
import { toTrustedSigner } from '../trust/static-trust-store.js';
import type { SignerQuery, TrustStore, TrustedSigner } from '../trust/trust-store.js';
import type { CertificateRecord } from './registry-model.js';
import type { Registry } from './registry.js';

/**
 * Trust decisions from the registry: a signature by a participant verifies only with a signing certificate
 * bound to that participant, active (or superseded and still inside its rotation overlap), not revoked, and
 * chaining to the hub CA or an imported anchor. KeyInfo only says which of those certificates was used.
 *
 * Anchors are cached for a few seconds (they change rarely and reading them on every message would double the
 * store traffic); a participant's certificates are read on every call, so a revocation takes effect at once.
 */
export class RegistryTrustStore implements TrustStore {
  private anchors: { loadedAt: number; validator: CertificatePathValidator } | undefined;
  private readonly certificates = new Map<string, X509Certificate>();

  constructor(
    private readonly registry: Registry,
    private readonly anchorTtlMs = 5_000,
  ) {}

  /** Drops the cached anchors (after an import or a revocation in this process). */
  invalidate(): void {
    this.anchors = undefined;
  }

  async resolveSigner({ sender, presented, at }: SignerQuery): Promise<readonly TrustedSigner[]> {
    const records = await this.registry.signingCertificates(sender, at);
    let candidates: CertificateRecord[] = records;
    if (presented !== undefined) {
      const match = records.find((record) => record.fingerprint === presented.fingerprint256);
      if (match === undefined) throw await this.explainMismatch(sender, presented, records.length);
      candidates = [match];
    }
    if (candidates.length === 0) throw new VkhidError('CERT_UNKNOWN_SIGNER', { args: [sender] });
    const validator = await this.validator();
    const trusted: TrustedSigner[] = [];
    let firstError: unknown;
    for (const record of candidates) {
      const certificate = this.parse(record);
      try {
        await validator.validate(certificate, at);
        trusted.push(toTrustedSigner(certificate));
      } catch (error) {
        firstError ??= error;
      }
    }
    if (trusted.length === 0) throw firstError;
    return trusted;
  }

  /** Why the presented certificate is not one of the sender's: revoked, someone else's, none known for the sender, or unknown. */
  private async explainMismatch(
    sender: string,
    presented: X509Certificate,
    senderCertificates: number,
  ): Promise<VkhidError> {
    const known = await this.registry.findCertificateByFingerprint(presented.fingerprint256);
    if (known?.status === 'revoked') {
      return new VkhidError('CERT_REVOKED', {
        args: [known.serialNumber, known.revokedAt ?? '', known.revocationReason ?? ''],
      });
    }
    if (known !== undefined && known.participantCode !== sender) {
      return new VkhidError('CERT_PARTICIPANT_MISMATCH', {
        args: [known.serialNumber, known.participantCode ?? 'the hub', sender],
      });
    }
    if (senderCertificates === 0) return new VkhidError('CERT_UNKNOWN_SIGNER', { args: [sender] });
    return new VkhidError('SIGNATURE_KEYINFO_MISMATCH', { args: [sender] });
  }

  private async validator(): Promise<CertificatePathValidator> {
    const now = Date.now();
    if (this.anchors === undefined || now - this.anchors.loadedAt > this.anchorTtlMs) {
      const anchors = (await this.registry.anchorCertificates()).map((record) => this.parse(record));
      this.anchors = { loadedAt: now, validator: new CertificatePathValidator(anchors) };
    }
    return this.anchors.validator;
  }

  private parse(record: CertificateRecord): X509Certificate {
    let certificate = this.certificates.get(record.fingerprint);
    if (certificate === undefined) {
      certificate = new X509Certificate(record.pem);
      if (this.certificates.size >= 10_000) this.certificates.clear();
      this.certificates.set(record.fingerprint, certificate);
    }
    return certificate;
  }
}
