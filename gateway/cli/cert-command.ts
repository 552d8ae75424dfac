// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { accessSync, closeSync, constants, existsSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { X509Crl } from '@peculiar/x509';
import type { Command } from 'commander';
import { VkhidError } from '../errors/vkhid-error.js';
import {
  currentCrl,
  importAnchor,
  importParticipantCertificate,
  issueParticipantBundle,
  issueParticipantCertificate,
  revokeCertificate,
} from '../hub/hub-pki.js';
import { crlToPem } from '../pki/crl-publisher.js';
import { readCertificates, readFile } from '../pki/pem.js';
import type { CertificateRecord } from '../registry/registry-model.js';
import type { CliIo } from './cli-io.js';
import {
  certificateSummary,
  cliActor,
  formatTable,
  parseChoice,
  parseWholeNumber,
  runHubCommand,
  shortInstant,
  usageError,
  withHubOptions,
  type HubOptions,
} from './hub-options.js';

const USAGES = ['sign', 'tls'] as const;
const KEY_TYPES = ['rsa', 'ec'] as const;

interface IssueOptions extends HubOptions {
  participant: string;
  usage: string;
  out: string;
  csr?: string;
  generate?: boolean;
  cn?: string;
  passwordEnv?: string;
  keyType?: string;
  days?: string;
  rotate?: boolean;
  overlapDays?: string;
}

interface ImportOptions extends HubOptions {
  participant: string;
  usage: string;
  rotate?: boolean;
  overlapDays?: string;
}

/** `vkhid cert issue|import-ca|import|revoke|list|crl`. */
export function registerCertCommands(program: Command, io: CliIo): void {
  const cert = program
    .command('cert')
    .description('issue, import, revoke and list certificates; publish the CRL');

  withHubOptions(
    cert
      .command('issue')
      .description(
        'issue a participant certificate: from its CSR (--csr, writes the PEM) or with a new key (--generate, writes PKCS#12)',
      )
      .requiredOption('--participant <code>', "the participant's ЄДРПОУ code")
      .requiredOption('--usage <usage>', 'sign (envelope signatures) or tls')
      .requiredOption(
        '--out <file>',
        'where to write the certificate (PEM), or the PKCS#12 file with --generate',
      )
      .option('--csr <file>', "the participant's certificate signing request (PEM or DER)")
      .option('--generate', 'generate the key pair here and write it with the certificate as PKCS#12')
      .option('--cn <name>', "with --generate: the certificate's common name")
      .option(
        '--password-env <var>',
        'with --generate: the environment variable holding the PKCS#12 password',
      )
      .option('--key-type <type>', 'with --generate: rsa (RSA-3072, the default) or ec (P-256)')
      .option('--days <n>', 'validity in days (default: the configured certificateValidityDays)')
      .option(
        '--rotate',
        "supersede the participant's current certificate of this usage, keeping it valid for the overlap",
      )
      .option(
        '--overlap-days <n>',
        'with --rotate: how long the superseded certificate still verifies (default: configured)',
      ),
  ).action((options: IssueOptions) => {
    const usage = parseChoice(options.usage, '--usage', USAGES);
    const validityDays = parseWholeNumber(options.days, '--days', 1);
    const rotation = rotationOptions(options);
    if ((options.csr === undefined) === (options.generate !== true)) {
      throw usageError('give exactly one of --csr FILE and --generate');
    }
    const base = {
      participantCode: options.participant,
      usage,
      ...(validityDays === undefined ? {} : { validityDays }),
      ...rotation,
    };

    if (options.csr !== undefined) {
      for (const option of ['cn', 'passwordEnv', 'keyType'] as const) {
        if (options[option] !== undefined) {
          throw usageError(`--${kebab(option)} goes with --generate, not --csr`);
        }
      }
      const csrPath = options.csr;
      checkWritable(options.out);
      return runHubCommand(io, options, async (hub) => {
        const record = await issueParticipantCertificate(hub, readFile(csrPath), base, cliActor());
        writeOutput(options.out, record.pem);
        return issuedOutput(record, options.out, 'PEM certificate');
      });
    }

    if (options.cn === undefined) throw usageError('--generate needs --cn NAME');
    if (options.passwordEnv === undefined) {
      throw usageError(
        '--generate needs --password-env VAR (the password is never given on the command line)',
      );
    }
    const password = process.env[options.passwordEnv];
    if (password === undefined || password === '') {
      throw usageError(`the environment variable ${options.passwordEnv} is not set`);
    }
    const keyType =
      options.keyType === undefined ? 'rsa' : parseChoice(options.keyType, '--key-type', KEY_TYPES);
    const commonName = options.cn;
    // The file is created before the key exists (and never overwritten): once issued, the PKCS#12 file is the
    // only copy of the private key, so it must have somewhere to go.
    const out = createExclusive(options.out);
    let written = false;
    return runHubCommand(io, options, async (hub) => {
      const issued = await issueParticipantBundle(
        hub,
        { ...base, commonName, password, keyType },
        cliActor(),
      );
      writeFileSync(out.fd, issued.pkcs12);
      written = true;
      return issuedOutput(issued.record, options.out, 'PKCS#12 file (key and certificate)');
    }).finally(() => {
      closeSync(out.fd);
      if (!written) unlinkSync(out.path);
    });
  });

  withHubOptions(
    cert
      .command('import-ca')
      .description(
        'trust an external CA (a qualified trust-service provider, say): participant certificates it issued can be imported',
      )
      .argument('<file>', 'the CA certificate (PEM or DER)'),
  ).action((file: string, options: HubOptions) =>
    runHubCommand(io, options, async (hub) => {
      const record = await importAnchor(hub, singleCertificatePem(file), cliActor());
      return {
        json: { certificate: certificateSummary(record) },
        text: `imported trust anchor ${record.subject}\n  serial ${record.serialNumber}\n  fingerprint ${record.fingerprint}\n  not after ${record.notAfter}\n`,
      };
    }),
  );

  withHubOptions(
    cert
      .command('import')
      .description('bind a certificate issued by the hub CA or an imported CA to a participant')
      .argument('<file>', 'the certificate (PEM or DER)')
      .requiredOption('--participant <code>', "the participant's ЄДРПОУ code")
      .option('--usage <usage>', 'sign or tls', 'sign')
      .option(
        '--rotate',
        "supersede the participant's current certificate of this usage, keeping it valid for the overlap",
      )
      .option(
        '--overlap-days <n>',
        'with --rotate: how long the superseded certificate still verifies (default: configured)',
      ),
  ).action((file: string, options: ImportOptions) => {
    const usage = parseChoice(options.usage, '--usage', USAGES);
    const rotation = rotationOptions(options);
    return runHubCommand(io, options, async (hub) => {
      const record = await importParticipantCertificate(
        hub,
        singleCertificatePem(file),
        { participantCode: options.participant, usage, ...rotation },
        cliActor(),
      );
      return {
        json: { certificate: certificateSummary(record) },
        text: `imported ${record.role} certificate ${record.serialNumber} for ${options.participant}\n  subject ${record.subject}\n  fingerprint ${record.fingerprint}\n  not after ${record.notAfter}\n`,
      };
    });
  });

  withHubOptions(
    cert
      .command('revoke')
      .description(
        'revoke a certificate for good: it verifies nothing from now on and is published in the CRL',
      )
      .argument('<serial-or-fingerprint>', 'serial number (hex) or SHA-256 fingerprint')
      .requiredOption(
        '--reason <reason>',
        'RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn',
      ),
  ).action((reference: string, options: HubOptions & { reason: string }) =>
    runHubCommand(io, options, async (hub) => {
      const record = await revokeCertificate(
        hub,
        normaliseFingerprint(reference),
        options.reason,
        cliActor(),
      );
      return {
        json: { certificate: certificateSummary(record) },
        text: `revoked certificate ${record.serialNumber} (${record.subject}) at ${record.revokedAt ?? ''}: ${record.revocationReason ?? ''}\n`,
      };
    }),
  );

  withHubOptions(
    cert
      .command('list')
      .description('list certificates, soonest to expire first')
      .option('--participant <code>', "only this participant's certificates")
      .option('--expiring <days>', 'only certificates (not revoked) that expire within this many days'),
  ).action((options: HubOptions & { participant?: string; expiring?: string }) => {
    const expiring = parseWholeNumber(options.expiring, '--expiring');
    return runHubCommand(io, options, async (hub) => {
      const certificates = await hub.registry.listCertificates({
        ...(options.participant === undefined ? {} : { participantCode: options.participant }),
        ...(expiring === undefined ? {} : { expiringWithinDays: expiring }),
      });
      return {
        json: { certificates: certificates.map(certificateSummary) },
        text: formatTable(
          ['SERIAL', 'ROLE', 'PARTICIPANT', 'STATUS', 'NOT AFTER', 'SUBJECT'],
          certificates.map((c) => [
            c.serialNumber,
            c.role,
            c.participantCode ?? '-',
            c.status,
            shortInstant(c.notAfter),
            c.subject,
          ]),
          expiring === undefined ? 'no certificates' : `no certificate expires within ${expiring} days`,
        ),
      };
    });
  });

  withHubOptions(
    cert
      .command('crl')
      .description('publish a new CRL of the hub CA (every revoked certificate the hub issued)')
      .requiredOption('--out <file>', 'where to write it')
      .option('--pem', 'write PEM instead of DER'),
  ).action((options: HubOptions & { out: string; pem?: boolean }) => {
    checkWritable(options.out);
    return runHubCommand(io, options, async (hub) => {
      const der = await currentCrl(hub);
      writeOutput(options.out, options.pem === true ? crlToPem(der) : der);
      const crl = new X509Crl(new Uint8Array(der));
      const revoked = crl.entries.map((entry) => entry.serialNumber.toUpperCase());
      return {
        json: {
          out: options.out,
          format: options.pem === true ? 'pem' : 'der',
          thisUpdate: crl.thisUpdate.toISOString(),
          nextUpdate: crl.nextUpdate?.toISOString() ?? null,
          revoked,
        },
        text: `wrote the CRL (${options.pem === true ? 'PEM' : 'DER'}, ${revoked.length} revoked, next update ${crl.nextUpdate?.toISOString() ?? '-'}) to ${options.out}\n${revoked.map((serial) => `  ${serial}\n`).join('')}`,
      };
    });
  });
}

function rotationOptions(options: { rotate?: boolean; overlapDays?: string }): {
  rotate?: boolean;
  overlapDays?: number;
} {
  const overlapDays = parseWholeNumber(options.overlapDays, '--overlap-days');
  if (overlapDays !== undefined && options.rotate !== true)
    throw usageError('--overlap-days goes with --rotate');
  return {
    ...(options.rotate === true ? { rotate: true } : {}),
    ...(overlapDays === undefined ? {} : { overlapDays }),
  };
}

function issuedOutput(
  record: CertificateRecord,
  out: string,
  what: string,
): { json: Record<string, unknown>; text: string } {
  return {
    json: { certificate: certificateSummary(record), out },
    text: [
      `issued ${record.role} certificate ${record.serialNumber} for ${record.participantCode ?? '-'}`,
      `  subject      ${record.subject}`,
      `  fingerprint  ${record.fingerprint}`,
      `  not after    ${record.notAfter}`,
      `  written to   ${out} (${what})`,
      '',
    ].join('\n'),
  };
}

/** The one certificate in FILE, as PEM; a bundle of several is refused (import them one at a time). */
function singleCertificatePem(file: string): string {
  const certificates = readCertificates(file);
  if (certificates.length !== 1)
    throw usageError(`${file} holds ${certificates.length} certificates; import one at a time`);
  return certificates[0]!.toString();
}

/** A SHA-256 fingerprint may be given without colons; the registry stores it with them. */
function normaliseFingerprint(reference: string): string {
  return /^[0-9a-f]{64}$/i.test(reference)
    ? (reference.toUpperCase().match(/../g) ?? []).join(':')
    : reference;
}

/** Refuses an output path that cannot be written, before anything is issued or published. */
function checkWritable(path: string): void {
  try {
    accessSync(existsSync(path) ? path : dirname(resolve(path)), constants.W_OK);
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', {
      args: [path, `not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`],
      cause: error,
    });
  }
}

/** Writes an output file; a failure is a coded refusal naming the file, not an internal error. */
function writeOutput(path: string, content: string | Buffer): void {
  try {
    writeFileSync(path, content);
  } catch (error) {
    throw new VkhidError('CLI_FILE_UNREADABLE', {
      args: [path, `cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`],
      cause: error,
    });
  }
}

/** Creates `path` (mode 0600), refusing to overwrite an existing file. */
function createExclusive(path: string): { fd: number; path: string } {
  try {
    return { fd: openSync(path, 'wx', 0o600), path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw usageError(`${path} already exists; the PKCS#12 file is never overwritten`);
    throw new VkhidError('CLI_FILE_UNREADABLE', {
      args: [path, `cannot be created (${code ?? String(error)})`],
      cause: error,
    });
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
