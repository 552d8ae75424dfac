import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { EnvelopeSigner } from '../dsig/envelope-signer.js';
import { EnvelopeVerifier } from '../dsig/envelope-verifier.js';
import { canonicalize, checkProfileMarkup, DSIG_NAMESPACE } from '../dsig/xmldsig-profile.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { readCertificate, readCertificates, readFile, readPrivateKey } from '../pki/pem.js';
import { StaticTrustStore } from '../trust/static-trust-store.js';
import { intakeXml, parseXml } from '../xml/xml-intake.js';
import { CliExit, ExitCode, printJson, type CliIo } from './cli-io.js';
import type { Envelope } from '../envelope/envelope-model.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerEnvelopeCommands(program: Command, io: CliIo): void {
  const envelope = program.command('envelope').description('validate, sign, verify and inspect canonical envelopes');

  envelope
    .command('validate')
    .description('check FILE against the envelope schema (no signature check)')
    .argument('<file>')
    .action((file: string) => {
      try {
        checkEnvelopeDocument(readFile(file));
        printJson(io, { valid: true });
      } catch (error) {
        printRefusal(io, error);
      }
    });

  envelope
    .command('sign')
    .description('sign FILE with an enveloped XML signature')
    .argument('<file>')
    .requiredOption('--key <key.pem>', 'the private key (PEM)')
    .requiredOption('--cert <cert.pem>', 'the signer certificate (PEM), published in KeyInfo')
    .option('--passphrase-env <name>', 'environment variable holding the key passphrase')
    .option('--reference <style>', 'reference the root as "document" (URI="") or "root-id" (URI="#Id")', 'document')
    .option('--out <file>', 'write the signed envelope here instead of standard output')
    .action((file: string, options: { key: string; cert: string; out?: string; reference: string; passphraseEnv?: string }) => {
      if (options.reference !== 'document' && options.reference !== 'root-id') {
        throw new VkhidError('CLI_USAGE', { args: ['--reference must be "document" or "root-id"'] });
      }
      const passphrase = options.passphraseEnv === undefined ? undefined : process.env[options.passphraseEnv];
      const signer = new EnvelopeSigner({
        privateKey: readPrivateKey(options.key, passphrase),
        certificate: readCertificate(options.cert),
        reference: options.reference,
      });
      const bytes = readFile(file);
      // Sign only what is a valid envelope: a signature must never vouch for a document the hub would refuse.
      checkEnvelopeDocument(bytes);
      const signed = signer.sign(bytes);
      if (options.out === undefined) io.stdout(signed);
      else writeFileSync(options.out, signed);
    });

  envelope
    .command('verify')
    .description('verify the signature of FILE; prints one JSON object and exits 0 only when valid')
    .argument('<file>')
    .option('--ca <ca.pem>', 'a trust anchor (repeatable)', collect, [])
    .option('--cert <signer.pem>', 'pin the signer certificate instead of trusting any KeyInfo certificate under --ca')
    .action(async (file: string, options: { ca: string[]; cert?: string }) => {
      if (options.ca.length === 0) {
        throw new VkhidError('CLI_USAGE', { args: ['--ca is required until the participant registry is set up'] });
      }
      const anchors = options.ca.flatMap((path) => readCertificates(path));
      const trustStore = new StaticTrustStore({
        anchors,
        ...(options.cert === undefined
          ? { acceptChainedKeyInfo: true }
          : { pinned: new Map([['*', [readCertificate(options.cert)]]]) }),
      });
      const verifier = new EnvelopeVerifier({ trustStore, schema: envelopeSchema() });
      try {
        const verified = await verifier.verify(readFile(file));
        printJson(io, {
          valid: true,
          messageId: verified.messageId,
          type: verified.type,
          sender: verified.sender,
          recipient: verified.recipient,
          signer: verified.signer.certificate.subject.replace(/\n/g, ', '),
          sha256: verified.receivedSha256,
        });
      } catch (error) {
        printRefusal(io, error);
      }
    });

  envelope
    .command('inspect')
    .description('summarise FILE (the signature is NOT checked: use verify for that)')
    .argument('<file>')
    .option('--json', 'print one JSON object')
    .action((file: string, options: { json?: boolean }) => {
      const { text } = intakeXml(readFile(file));
      const root = parseXml(text).documentElement;
      const signature = signatureChild(root);
      const envelope = readEnvelope(canonicalize(root, signature));
      const summary = summarise(envelope, signature !== undefined);
      if (options.json === true) printJson(io, summary);
      else io.stdout(formatSummary(summary));
    });
}

/**
 * What `validate` checks and `sign` requires: hardened intake first (so no parser sees a DTD or an oversized
 * document), the profile's markup rule, then the schema.
 */
function checkEnvelopeDocument(bytes: Uint8Array): void {
  const { scan } = intakeXml(bytes);
  checkProfileMarkup(scan);
  envelopeSchema().validate(bytes);
}

function printRefusal(io: CliIo, error: unknown): never {
  const coded = VkhidError.from(error);
  if (coded.code === 'INTERNAL') throw error;
  printJson(io, { valid: false, code: coded.code, message: coded.message, ...(coded.field ? { field: coded.field } : {}) });
  throw new CliExit(ExitCode.Refused);
}

function signatureChild(root: Element): Element | undefined {
  for (let child = root.lastChild; child !== null; child = child.previousSibling) {
    if (child.nodeType === 1) {
      const element = child as Element;
      return element.localName === 'Signature' && element.namespaceURI === DSIG_NAMESPACE ? element : undefined;
    }
  }
  return undefined;
}

interface EnvelopeSummary {
  messageId: string;
  type: string;
  sender: string;
  recipient: string;
  tracking: string | null;
  inReplyTo: string | null;
  createdAt: string;
  schemaVersion: string;
  signed: boolean;
  details: Record<string, string | number | boolean>;
}

/** A summary without personal data: inspect output ends up in tickets and chat. */
function summarise(envelope: Envelope, signed: boolean): EnvelopeSummary {
  const { header, body } = envelope;
  const details: Record<string, string | number | boolean> = {};
  switch (body.type) {
    case 'appeal':
      Object.assign(details, {
        kind: body.appeal.kind,
        channel: body.appeal.channel,
        urgency: body.appeal.urgency,
        category: body.appeal.category,
        target: body.appeal.routing.target,
        deadline: body.appeal.deadline,
        attachments: body.appeal.attachments?.length ?? 0,
      });
      break;
    case 'receipt':
      Object.assign(details, { messageRef: body.receipt.messageRef, outcome: body.receipt.outcome.kind });
      break;
    case 'status':
      Object.assign(details, { status: body.status.outcome.kind, at: body.status.at });
      break;
    case 'answer':
      Object.assign(details, { result: body.answer.result, attachments: body.answer.attachments?.length ?? 0 });
      break;
    case 'error':
      Object.assign(details, { messageRef: body.error.messageRef, code: body.error.code });
      break;
  }
  return {
    messageId: header.messageId,
    type: header.type,
    sender: header.sender,
    recipient: header.recipient,
    tracking: header.tracking ?? null,
    inReplyTo: header.inReplyTo ?? null,
    createdAt: header.createdAt,
    schemaVersion: header.schemaVersion,
    signed,
    details,
  };
}

function formatSummary(summary: EnvelopeSummary): string {
  const lines = [
    `${summary.type} ${summary.messageId}${summary.signed ? ' (signed; signature not checked by inspect)' : ' (unsigned)'}`,
    `  from ${summary.sender} to ${summary.recipient} at ${summary.createdAt}`,
    `  tracking ${summary.tracking ?? '-'}${summary.inReplyTo === null ? '' : `, in reply to ${summary.inReplyTo}`}`,
    ...Object.entries(summary.details).map(([key, value]) => `  ${key}: ${String(value)}`),
  ];
  return `${lines.join('\n')}\n`;
}
