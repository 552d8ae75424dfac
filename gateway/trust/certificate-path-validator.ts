// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate as PeculiarCertificate,
  X509ChainBuilder,
} from '@peculiar/x509';
import { VkhidError } from '../errors/vkhid-error.js';

/** What a validated path allows: the window in which every certificate on it is valid. */
interface ValidatedPath {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The certificate on the path whose window is the binding one (named in errors). */
  readonly earliestExpiring: string;
  readonly latestStarting: string;
}

const MIN_RSA_BITS = 2048;
const ALLOWED_CURVES = new Set(['prime256v1', 'secp384r1']);

/**
 * Validates certificate paths to a fixed set of trust anchors with @peculiar/x509's chain builder (which
 * checks each issuer's signature), then checks validity periods, CA constraints, key usage and key strength.
 *
 * Building a path costs several milliseconds of WebCrypto work, so the outcome is cached per certificate
 * fingerprint; only the time check (cheap) runs on every call. The cache is bounded: a flood of distinct
 * certificates can cost CPU, never unbounded memory.
 */
export class CertificatePathValidator {
  private readonly anchors: readonly NodeCertificate[];
  private readonly anchorFingerprints: ReadonlySet<string>;
  private readonly builder: X509ChainBuilder;
  private readonly cache = new Map<string, Promise<ValidatedPath>>();

  constructor(anchors: readonly NodeCertificate[], intermediates: readonly NodeCertificate[] = []) {
    this.anchors = anchors;
    this.anchorFingerprints = new Set(anchors.map((anchor) => anchor.fingerprint256));
    this.builder = new X509ChainBuilder({
      certificates: [...anchors, ...intermediates].map(
        (certificate) => new PeculiarCertificate(certificate.raw),
      ),
    });
  }

  get anchorCount(): number {
    return this.anchors.length;
  }

  /** Throws CERT_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_WEAK_KEY or CERT_USAGE. */
  async validate(certificate: NodeCertificate, at: Date): Promise<void> {
    checkKeyStrength(certificate);
    const path = await this.pathFor(certificate);
    if (at < path.notBefore) {
      throw new VkhidError('CERT_NOT_YET_VALID', {
        args: [path.latestStarting, path.notBefore.toISOString()],
      });
    }
    if (at > path.notAfter) {
      throw new VkhidError('CERT_EXPIRED', { args: [path.earliestExpiring, path.notAfter.toISOString()] });
    }
  }

  private pathFor(certificate: NodeCertificate): Promise<ValidatedPath> {
    const key = certificate.fingerprint256;
    let cached = this.cache.get(key);
    if (cached === undefined) {
      if (this.cache.size >= 10_000) this.cache.delete(this.cache.keys().next().value as string);
      cached = this.buildPath(certificate);
      // A failure is not cached: the anchors may not change, but a transient error must not stick.
      cached.catch(() => this.cache.delete(key));
      this.cache.set(key, cached);
    }
    return cached;
  }

  private async buildPath(certificate: NodeCertificate): Promise<ValidatedPath> {
    const leaf = new PeculiarCertificate(certificate.raw);
    const subject = describe(certificate);
    let chain: PeculiarCertificate[];
    try {
      chain = [...(await this.builder.build(leaf))];
    } catch (error) {
      throw new VkhidError('CERT_UNTRUSTED', { args: [subject], cause: error });
    }
    const top = chain[chain.length - 1];
    if (
      top === undefined ||
      !this.anchorFingerprints.has(new NodeCertificate(Buffer.from(top.rawData)).fingerprint256)
    ) {
      throw new VkhidError('CERT_UNTRUSTED', { args: [subject] });
    }
    // The leaf must be allowed to sign; every certificate above it must be a CA.
    const leafUsage = leaf.getExtension(KeyUsagesExtension);
    if (
      leafUsage !== null &&
      (leafUsage.usages & (KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)) === 0
    ) {
      throw new VkhidError('CERT_USAGE', { args: [subject, 'signing'] });
    }
    for (const issuer of chain.slice(1)) {
      const constraints = issuer.getExtension(BasicConstraintsExtension);
      // A self-signed v1 anchor has no extensions; anything below the anchor must say it is a CA.
      const isAnchor = issuer === top;
      if (!(constraints?.ca ?? isAnchor)) {
        throw new VkhidError('CERT_UNTRUSTED', {
          args: [`${subject} (issuer ${issuer.subject} is not a CA)`],
        });
      }
    }
    let notBefore = chain[0]!.notBefore;
    let notAfter = chain[0]!.notAfter;
    let latestStarting = chain[0]!.subject;
    let earliestExpiring = chain[0]!.subject;
    for (const link of chain) {
      if (link.notBefore > notBefore) {
        notBefore = link.notBefore;
        latestStarting = link.subject;
      }
      if (link.notAfter < notAfter) {
        notAfter = link.notAfter;
        earliestExpiring = link.subject;
      }
    }
    return { notBefore, notAfter, latestStarting, earliestExpiring };
  }
}

/** RSA below 2048 bits and curves other than P-256/P-384 are refused wherever a certificate is used. */
export function checkKeyStrength(certificate: NodeCertificate): void {
  const details = certificate.publicKey.asymmetricKeyDetails;
  const type = certificate.publicKey.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new VkhidError('CERT_WEAK_KEY', { args: [`RSA ${bits} bits`] });
  } else if (type === 'ec') {
    const curve = details?.namedCurve ?? 'unknown';
    if (!ALLOWED_CURVES.has(curve)) throw new VkhidError('CERT_WEAK_KEY', { args: [`EC curve ${curve}`] });
  } else {
    throw new VkhidError('CERT_WEAK_KEY', { args: [`key type ${type ?? 'unknown'}`] });
  }
}

export function describe(certificate: NodeCertificate): string {
  return `${certificate.subject.replace(/\n/g, ', ')} (serial ${certificate.serialNumber})`;
}
