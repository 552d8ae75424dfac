import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readEnvelope } from '../envelope/envelope-reader.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { EnvelopeSigner } from '../dsig/envelope-signer.js';
import { EnvelopeVerifier, type VerifiedEnvelope } from '../dsig/envelope-verifier.js';
import { canonicalize, checkProfileMarkup, DSIG_NAMESPACE } from '../dsig/xmldsig-profile.js';
import { loadHubConfig } from '../config/hub-config.js';
import { VkhidError } from '../errors/vkhid-error.js';
import { openHub } from '../hub/hub-context.js';
import { HubHome } from '../hub/hub-home.js';
import { verifyExchange } from '../intake/exchange-verification.js';
import { readCertificate, readCertificates, readFile, readPrivateKey } from '../pki/pem.js';
import { StaticTrustStore } from '../trust/static-trust-store.js';
import { intakeXml, parseXml } from '../xml/xml-intake.js';
import { CliExit, ExitCode, printJson, type CliIo } from './cli-io.js';
import type { Envelope } from '../envelope/envelope-model.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerEnvelopeCommands(program: Command, io: CliIo): void {
  const envelope = program
    .command('envelope')
    .description('validate, sign, verify and inspect canonical envelopes');

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
    .option(
      '--reference <style>',
      'reference the root as "document" (URI="") or "root-id" (URI="#Id")',
      'document',
    )
    .option('--out <file>', 'write the signed envelope here instead of standard output')
    .action(
      (
        file: string,
        options: { key: string; cert: string; out?: string; reference: string; passphraseEnv?: string },
      ) => {
        if (options.reference !== 'document' && options.reference !== 'root-id') {
          throw new VkhidError('CLI_USAGE', { args: ['--reference must be "document" or "root-id"'] });
        }
        const passphrase =
          options.passphraseEnv === undefined ? undefined : process.env[options.passphraseEnv];
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
      },
    );

  envelope
    .command('verify')
    .description(
      'verify FILE; prints one JSON object and exits 0 only when valid. Without --ca the hub in the data directory ' +
        "decides: the sender's registered certificates, then both participants and their memoranda",
    )
    .argument('<file>')
    .option(
      '--ca <ca.pem>',
      "a trust anchor (repeatable): verify against these instead of the hub's registry",
      collect,
      [],
    )
    .option(
      '--cert <signer.pem>',
      'with --ca: pin the signer certificate instead of trusting any KeyInfo certificate under --ca',
    )
    .option('--data <dir>', "without --ca: the hub's data directory (default: VKHID_DATA, else ./data)")
    .action(async (file: string, options: { ca: string[]; cert?: string; data?: string }) => {
      if (options.ca.length === 0) {
        if (options.cert !== undefined)
          throw new VkhidError('CLI_USAGE', { args: ['--cert goes with --ca'] });
        await verifyWithHub(io, file, options.data);
        return;
      }
      if (options.data !== undefined)
        throw new VkhidError('CLI_USAGE', { args: ['--data goes without --ca: give one or the other'] });
      const anchors = options.ca.flatMap((path) => readCertificates(path));
      const trustStore = new StaticTrustStore({
        anchors,
        ...(options.cert === undefined
          ? { acceptChainedKeyInfo: true }
          : { pinned: new Map([['*', [readCertificate(options.cert)]]]) }),
      });
      const verifier = new EnvelopeVerifier({ trustStore, schema: envelopeSchema() });
      try {
        printJson(io, validResult(await verifier.verify(readFile(file))));
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
 * `verify` without `--ca`: the decision is the registry's, as the hub makes it on intake. The signature must
 * verify with a certificate bound to the sender (active, or superseded inside its overlap; not revoked) that
 * chains to the hub CA or an imported anchor; then both participants must be active with a memorandum in
 * force today covering the appeal's kind (and channel). A refusal by the registry is recorded as the hub
 * records it.
 */
async function verifyWithHub(io: CliIo, file: string, dataDir: string | undefined): Promise<void> {
  const config = loadHubConfig(dataDir === undefined ? {} : { dataDir });
  // Without a hub there is nothing to decide with: a usage error, and no database is created as a side effect.
  if (!new HubHome(config.dataDir).initialised) {
    throw new VkhidError('CLI_USAGE', {
      args: [
        `--ca is required: no hub is initialised in ${config.dataDir} (give --data DIR, or run \`vkhid init\`)`,
      ],
    });
  }
  const hub = await openHub({ dataDir: config.dataDir });
  try {
    // The same decision as POST /v1/messages makes (gateway/intake/exchange-verification.ts).
    const { verified } = await verifyExchange(hub, readFile(file), { limits: hub.config.intake });
    printJson(io, validResult(verified));
  } catch (error) {
    printRefusal(io, error);
  } finally {
    await hub.close();
  }
}

function validResult(verified: VerifiedEnvelope): Record<string, unknown> {
  return {
    valid: true,
    messageId: verified.messageId,
    type: verified.type,
    sender: verified.sender,
    recipient: verified.recipient,
    signer: verified.signer.certificate.subject.replace(/\n/g, ', '),
    sha256: verified.receivedSha256,
  };
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
  printJson(io, {
    valid: false,
    code: coded.code,
    message: coded.message,
    ...(coded.field ? { field: coded.field } : {}),
  });
  throw new CliExit(ExitCode.Refused);
}

function signatureChild(root: Element): Element | undefined {
  for (let child = root.lastChild; child !== null; child = child.previousSibling) {
    if (child.nodeType === 1) {
      const element = child as Element;
      return element.localName === 'Signature' && element.namespaceURI === DSIG_NAMESPACE
        ? element
        : undefined;
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
      Object.assign(details, {
        result: body.answer.result,
        attachments: body.answer.attachments?.length ?? 0,
      });
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
