/**
 * The hub CA's certificate revocation list (RFC 5280 §5): v2, signed with sha256WithRSAEncryption by the CA,
 * issuer = the CA's encoded subject, extensions authorityKeyIdentifier and cRLNumber; each entry carries its
 * revocation date and, unless the reason is `unspecified`, a reasonCode (RFC 5280 §5.3.1: the extension
 * SHOULD be absent rather than say unspecified). node-forge has no CRL support: @peculiar/x509 writes it over
 * Node's WebCrypto.
 *
 * `certificateHold` is not offered: a hold can be lifted, and the hub treats every revocation as final.
 */
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  Extension,
  Name,
  X509CrlGenerator,
  X509CrlReason,
  type X509CrlEntryParams,
} from '@peculiar/x509';
import { VkhidError } from '../errors/vkhid-error.js';
import { loadCa, type HubCa } from './ca-material.js';
import { derElement, encodePem, unsignedIntegerOctets } from './der.js';
import { checkDate, CLOCK_SKEW_MS } from './leaf-profile.js';

export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** RFC 5280 CRLReason values. */
export const REVOCATION_REASON_CODES: Readonly<Record<RevocationReason, number>> = {
  unspecified: X509CrlReason.unspecified,
  keyCompromise: X509CrlReason.keyCompromise,
  cACompromise: X509CrlReason.cACompromise,
  affiliationChanged: X509CrlReason.affiliationChanged,
  superseded: X509CrlReason.superseded,
  cessationOfOperation: X509CrlReason.cessationOfOperation,
  privilegeWithdrawn: X509CrlReason.privilegeWithdrawn,
};

/** The reason named exactly (RFC 5280 spelling, case-sensitive); anything else is PKI_REVOCATION_REASON. */
export function parseRevocationReason(value: string): RevocationReason {
  if (typeof value === 'string' && (REVOCATION_REASONS as readonly string[]).includes(value))
    return value as RevocationReason;
  throw new VkhidError('PKI_REVOCATION_REASON', {
    args: [JSON.stringify(value) ?? String(value), REVOCATION_REASONS.join(', ')],
    field: 'reason',
  });
}

export interface RevokedCertificate {
  /** Hex (either case, no separators), as Node's X509Certificate.serialNumber prints it. */
  readonly serialNumber: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

export interface CrlOptions {
  readonly thisUpdate: Date;
  /** When the next CRL will be published; must be after thisUpdate. */
  readonly nextUpdate: Date;
  /** Monotonically increasing per CA (the caller keeps the counter); 0 to 2^159 - 1. */
  readonly crlNumber: number | bigint;
}

const MAX_CRL_NUMBER = (1n << 159n) - 1n;

/** A CRL signed by the hub CA, as DER. */
export async function createCrl(
  ca: HubCa,
  revoked: readonly RevokedCertificate[],
  options: CrlOptions,
): Promise<Buffer> {
  checkDate(options.thisUpdate, 'thisUpdate');
  checkDate(options.nextUpdate, 'nextUpdate');
  if (options.nextUpdate <= options.thisUpdate) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: ['nextUpdate must be after thisUpdate'],
      field: 'nextUpdate',
    });
  }
  const crlNumber = toCrlNumber(options.crlNumber);
  const entries = revoked.map((entry, index): X509CrlEntryParams => {
    const field = `revoked[${index}]`;
    checkDate(entry.revokedAt, `${field}.revokedAt`);
    // A revocation recorded while the CRL is being made may carry a slightly later time: it is listed (being
    // revoked a moment early is the safe side); a date well after thisUpdate is a caller's mistake.
    if (entry.revokedAt.getTime() > options.thisUpdate.getTime() + CLOCK_SKEW_MS) {
      throw new VkhidError('PKI_REQUEST_INVALID', {
        args: [`${field} is revoked more than 5 minutes after thisUpdate`],
        field: `${field}.revokedAt`,
      });
    }
    const reason = parseRevocationReason(entry.reason);
    return {
      serialNumber: normaliseSerial(entry.serialNumber, `${field}.serialNumber`),
      revocationDate: entry.revokedAt,
      ...(reason === 'unspecified' ? {} : { reason: REVOCATION_REASON_CODES[reason] }),
    };
  });
  const seen = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (seen.has(entry.serialNumber)) {
      throw new VkhidError('PKI_REQUEST_INVALID', {
        args: [`serial ${entry.serialNumber} is listed twice`],
        field: `revoked[${index}].serialNumber`,
      });
    }
    seen.add(entry.serialNumber);
  }

  const loaded = loadCa(ca, options.thisUpdate, 'signing CRLs');
  const subtle = webcrypto.subtle;
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const signingKey = await subtle.importKey(
    'pkcs8',
    loaded.privateKey.export({ type: 'pkcs8', format: 'der' }),
    algorithm,
    false,
    ['sign'],
  );
  const crl = await X509CrlGenerator.create(
    {
      issuer: new Name(new Uint8Array(loaded.subject)),
      thisUpdate: options.thisUpdate,
      nextUpdate: options.nextUpdate,
      entries,
      extensions: [
        new AuthorityKeyIdentifierExtension(loaded.keyIdentifier.toString('hex')),
        new Extension(
          CRL_NUMBER_OID,
          false,
          new Uint8Array(derElement(0x02, unsignedIntegerOctets(crlNumber))),
        ),
      ],
      signingAlgorithm: algorithm,
      signingKey: signingKey,
    },
    webcrypto as unknown as Crypto,
  );
  return Buffer.from(crl.rawData);
}

export function crlToPem(der: Uint8Array): string {
  return encodePem(der, 'X509 CRL');
}

const CRL_NUMBER_OID = '2.5.29.20';

function toCrlNumber(value: number | bigint): bigint {
  const number = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (number < 0n || number > MAX_CRL_NUMBER) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`crlNumber must be a whole number from 0 to 2^159 - 1, not ${String(value)}`],
      field: 'crlNumber',
    });
  }
  return number;
}

/** Upper-case hex of a positive serial of at most 20 octets, without leading zero octets. */
function normaliseSerial(serial: string, field: string): string {
  const hex =
    typeof serial === 'string' && /^[0-9A-Fa-f]{1,42}$/.test(serial)
      ? serial.replace(/^0+/, '').toUpperCase()
      : '';
  if (hex.length === 0 || hex.length > 40) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`${JSON.stringify(serial)} is not a positive serial number in hex (at most 20 octets)`],
      field,
    });
  }
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}
