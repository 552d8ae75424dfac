import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { VkhidError } from '../errors/vkhid-error.js';
import type { CertificateRecord } from '../registry/registry-model.js';
import type { Registry } from '../registry/registry.js';
import { CertificatePathValidator, describe } from '../trust/certificate-path-validator.js';

/** The participant behind a TLS connection, as its client certificate and the registry say. */
export interface ClientIdentity {
  readonly participantCode: string;
  readonly certificate: X509Certificate;
  /** SHA-256 fingerprint, as the registry keys certificates. */
  readonly fingerprint: string;
  readonly serialNumber: string;
}

export interface ClientCertificateAuthenticatorOptions {
  readonly now?: () => Date;
  /** How long the registry's trust anchors are cached (they change rarely); revocations are read every time. */
  readonly anchorTtlMs?: number;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/**
 * Authenticates participants by their TLS client certificate. The hub server asks every client for one but
 * does not make the handshake fail without it (admin and PKI routes have none), so participant routes decide
 * here. Presenting a certificate in TLS proves possession of its key (CertificateVerify); what is checked
 * here is that the certificate is one the registry binds to a participant for TLS, usable now:
 *
 * - registered with the role `participant-tls` (a signing certificate is not a TLS credential);
 * - not revoked; active, or superseded and still inside its rotation overlap (so a participant can roll its
 *   TLS certificate without a gap, as it can its signing certificate);
 * - allowed for TLS client authentication, when it names extended key usages;
 * - chaining to the hub CA or an imported anchor, within the validity of every certificate on the path.
 *
 * Node's own `socket.authorized` only knows the hub CA (the server's `ca` option) and nothing of the registry,
 * so it is neither required (certificates under an imported anchor are valid) nor sufficient (a revoked
 * certificate still chains). The registry is read on every call: a revocation takes effect at once.
 */
export class ClientCertificateAuthenticator {
  private readonly now: () => Date;
  private readonly anchorTtlMs: number;
  private anchors: { loadedAt: number; validator: CertificatePathValidator } | undefined;

  constructor(
    private readonly registry: Registry,
    options: ClientCertificateAuthenticatorOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.anchorTtlMs = options.anchorTtlMs ?? 5_000;
  }

  /** The identity behind the connection; INTAKE_CLIENT_CERT_MISSING or INTAKE_CLIENT_CERT_UNKNOWN otherwise. */
  async authenticate(socket: Socket | TLSSocket): Promise<ClientIdentity> {
    return this.authenticateCertificate(presentedCertificate(socket));
  }

  async authenticateCertificate(certificate: X509Certificate | undefined): Promise<ClientIdentity> {
    if (certificate === undefined) throw new VkhidError('INTAKE_CLIENT_CERT_MISSING');
    const subject = describe(certificate);
    const refuse = (why: string, cause?: unknown): VkhidError =>
      new VkhidError('INTAKE_CLIENT_CERT_UNKNOWN', { args: [subject, why], cause });

    const record = await this.registry.findCertificateByFingerprint(certificate.fingerprint256);
    if (record === undefined) throw refuse('it is not registered');
    if (record.role !== 'participant-tls' || record.participantCode === null) {
      throw refuse(`it is registered as ${record.role}, not as a participant's TLS certificate`);
    }
    const at = this.now();
    const usable = usableAt(record, at);
    if (usable !== true) throw refuse(usable);
    const extended = certificate.keyUsage as readonly string[] | undefined;
    if (
      extended !== undefined &&
      !extended.includes(CLIENT_AUTH) &&
      !extended.includes(ANY_EXTENDED_KEY_USAGE)
    ) {
      throw refuse('its extended key usage does not allow TLS client authentication');
    }
    try {
      await (await this.validator()).validate(certificate, at);
    } catch (error) {
      throw refuse(VkhidError.from(error).message, error);
    }
    return {
      participantCode: record.participantCode,
      certificate,
      fingerprint: record.fingerprint,
      serialNumber: record.serialNumber,
    };
  }

  private async validator(): Promise<CertificatePathValidator> {
    const now = Date.now();
    if (this.anchors === undefined || now - this.anchors.loadedAt > this.anchorTtlMs) {
      const anchors = (await this.registry.anchorCertificates()).map(
        (record) => new X509Certificate(record.pem),
      );
      this.anchors = { loadedAt: now, validator: new CertificatePathValidator(anchors) };
    }
    return this.anchors.validator;
  }
}

/**
 * The peer certificate of each TLS connection, read once: a keep-alive connection carries many requests, and
 * building Node's peer-certificate object costs more than verifying a signature. A connection's peer
 * certificate cannot change (TLS 1.3 has no renegotiation; Node refuses client-initiated renegotiation before
 * TLS 1.3), so the cache cannot serve a stale identity. Only the certificate is cached: whether it is still
 * registered, active and unrevoked is checked on every request.
 */
const peerCertificates = new WeakMap<TLSSocket, X509Certificate | null>();

/** The leaf certificate the client presented in the TLS handshake, if any. */
export function presentedCertificate(socket: Socket | TLSSocket): X509Certificate | undefined {
  if (typeof (socket as Partial<TLSSocket>).getPeerX509Certificate !== 'function') return undefined;
  const tls = socket as TLSSocket;
  const cached = peerCertificates.get(tls);
  if (cached !== undefined) return cached ?? undefined;
  let certificate: X509Certificate | undefined;
  try {
    certificate = tls.getPeerX509Certificate();
  } catch (error) {
    throw new VkhidError('INTAKE_CLIENT_CERT_UNKNOWN', {
      args: ['(unreadable)', 'it cannot be parsed'],
      cause: error,
    });
  }
  // Node gives undefined without a certificate (and once the socket is gone): nothing to cache then.
  if (certificate !== undefined) peerCertificates.set(tls, certificate);
  return certificate;
}

function usableAt(record: CertificateRecord, at: Date): true | string {
  switch (record.status) {
    case 'active':
      return true;
    case 'revoked':
      return `it was revoked at ${record.revokedAt ?? '?'} (${record.revocationReason ?? 'unspecified'})`;
    case 'superseded':
      return record.overlapUntil !== null && new Date(record.overlapUntil) >= at
        ? true
        : `it was superseded and its overlap ended at ${record.overlapUntil ?? '?'}`;
  }
}
