/**
 * The profile of every end-entity certificate the hub issues (its own and the participants'):
 *
 * - subject: `CN=<name>` (UTF8String) then `serialNumber=<ЄДРПОУ code>` (PrintableString, OID 2.5.4.5), each
 *   in its own RDN. The subject is written by the hub: from a CSR only the CN is taken. The code in
 *   `serialNumber` binds the certificate to a participant (see `participantCodeOf`);
 * - basicConstraints critical CA:FALSE; subject and authority key identifiers;
 * - usage `sign`: keyUsage critical digitalSignature + nonRepudiation, no extendedKeyUsage (envelope signing
 *   is not one of the Internet EKUs, and an EKU would only restrict it);
 * - usage `tls`: keyUsage critical digitalSignature (+ keyEncipherment for RSA keys; RFC 5480 forbids it for
 *   EC keys), extendedKeyUsage serverAuth + clientAuth, and subjectAltName when host names are given;
 * - validity from 5 minutes before `now` (clock skew between the hub and the agencies, never before the CA's
 *   own start) to `now` + validityDays, which must end before the CA does.
 */
import { isIP } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { VkhidError } from '../errors/vkhid-error.js';
import { isValidEdrpou } from '../registry/edrpou.js';
import type { LoadedCa } from './ca-material.js';
import {
  buildCertificate,
  describeIssued,
  extensions,
  keyIdentifier,
  nameValueProblem,
  newSerialNumber,
  OID,
  wholeSeconds,
  type IssuedCertificate,
} from './certificate-builder.js';

export type CertificateUsage = 'sign' | 'tls';

export const CERTIFICATE_USAGES: readonly CertificateUsage[] = ['sign', 'tls'];

export const MAX_VALIDITY_DAYS = 1825;
export const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** X.520 upper bound for a common name. */
export const MAX_COMMON_NAME = 64;
const MAX_HOSTNAMES = 50;

export interface LeafRequest {
  readonly participantCode: string;
  readonly commonName: string;
  readonly usage: CertificateUsage;
  readonly publicKey: KeyObject;
  readonly validityDays: number;
  readonly now: Date;
  /** For usage `tls` only: DNS names and IP addresses for subjectAltName. */
  readonly hostnames?: readonly string[];
}

export function issueLeaf(ca: LoadedCa, request: LeafRequest): IssuedCertificate {
  checkParticipantCode(request.participantCode);
  checkUsage(request.usage);
  const commonNameProblem = nameValueProblem(request.commonName, MAX_COMMON_NAME);
  if (commonNameProblem !== undefined) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`the common name: ${commonNameProblem}`],
      field: 'commonName',
    });
  }
  const { notBefore, notAfter } = leafValidity(ca, request.now, request.validityDays);
  const isEc = request.publicKey.asymmetricKeyType === 'ec';
  const profile: object[] = [extensions.endEntity()];
  if (request.usage === 'sign') {
    if (request.hostnames !== undefined && request.hostnames.length > 0) {
      throw new VkhidError('PKI_REQUEST_INVALID', {
        args: ['host names are for TLS certificates only'],
        field: 'hostnames',
      });
    }
    profile.push(extensions.keyUsage({ digitalSignature: true, nonRepudiation: true }));
  } else {
    profile.push(
      extensions.keyUsage({ digitalSignature: true, keyEncipherment: !isEc }),
      extensions.extendedKeyUsage({ serverAuth: true, clientAuth: true }),
    );
    const { dnsNames, ipAddresses } = splitHostnames(request.hostnames ?? []);
    if (dnsNames.length + ipAddresses.length > 0)
      profile.push(extensions.subjectAltName(dnsNames, ipAddresses));
  }
  profile.push(
    extensions.subjectKeyIdentifier(keyIdentifier(request.publicKey)),
    extensions.authorityKeyIdentifier(ca.keyIdentifier),
  );
  const der = buildCertificate(
    {
      serialNumber: newSerialNumber(),
      subject: [
        { oid: OID.commonName, value: request.commonName },
        { oid: OID.serialNumber, value: request.participantCode, printable: true },
      ],
      notBefore,
      notAfter,
      publicKey: request.publicKey,
      extensions: profile,
    },
    { privateKey: ca.forgeKey, publicKey: ca.publicKey, certificate: ca.certificate, subject: ca.subject },
  );
  return describeIssued(der, notBefore, notAfter);
}

/** Throws PARTICIPANT_CODE_INVALID unless `code` is a valid ЄДРПОУ code. */
export function checkParticipantCode(code: string): void {
  if (typeof code !== 'string' || !isValidEdrpou(code)) {
    throw new VkhidError('PARTICIPANT_CODE_INVALID', { args: [String(code)], field: 'participantCode' });
  }
}

export function checkUsage(usage: string): asserts usage is CertificateUsage {
  if (!(CERTIFICATE_USAGES as readonly string[]).includes(usage)) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`usage ${String(usage)}; expected sign or tls`],
      field: 'usage',
    });
  }
}

export function checkDate(date: Date, field: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new VkhidError('PKI_REQUEST_INVALID', { args: [`${field} is not a valid date`], field });
  }
}

function leafValidity(ca: LoadedCa, now: Date, validityDays: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [
        `validityDays must be a whole number from 1 to ${MAX_VALIDITY_DAYS}, not ${String(validityDays)}`,
      ],
      field: 'validityDays',
    });
  }
  const notBefore = wholeSeconds(new Date(Math.max(now.getTime() - CLOCK_SKEW_MS, ca.notBefore.getTime())));
  const notAfter = wholeSeconds(new Date(now.getTime() + validityDays * DAY_MS));
  if (notAfter > ca.notAfter) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [
        `the certificate would be valid until ${notAfter.toISOString()}, after the CA (${ca.notAfter.toISOString()})`,
      ],
      field: 'validityDays',
    });
  }
  return { notBefore, notAfter };
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Host names as subjectAltName entries: IP literals as iPAddress, the rest as dNSName (lower case, LDH). */
export function splitHostnames(hostnames: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  if (hostnames.length > MAX_HOSTNAMES) {
    throw new VkhidError('PKI_REQUEST_INVALID', {
      args: [`more than ${MAX_HOSTNAMES} host names`],
      field: 'hostnames',
    });
  }
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const hostname of hostnames) {
    if (typeof hostname === 'string' && isIP(hostname) !== 0) {
      ipAddresses.add(hostname);
      continue;
    }
    const name = typeof hostname === 'string' ? hostname.toLowerCase() : '';
    if (name.length === 0 || name.length > 253 || !name.split('.').every((label) => LABEL.test(label))) {
      throw new VkhidError('PKI_REQUEST_INVALID', {
        args: [
          `${JSON.stringify(hostname)} is not a host name (letters, digits and hyphens; no wildcards) or an IP address`,
        ],
        field: 'hostnames',
      });
    }
    dnsNames.add(name);
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}
