import { readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { VkhidError } from '../errors/vkhid-error.js';
import type { HubContext } from '../hub/hub-context.js';
import { checkpoint } from '../ledger/ledger-checkpoint.js';
import { buildLedgerProof, verifyLedgerProof } from '../ledger/ledger-proof.js';
import { verifyLedger } from '../ledger/ledger-verifier.js';
import { CliExit, ExitCode, printJson, type CliIo } from './cli-io.js';
import { runHubCommand, usageError, withHubOptions, type HubOptions } from './hub-options.js';

/**
 * `vkhid ledger verify | checkpoint | proof TRACKING | verify-proof FILE`: the handoff ledger's integrity,
 * and the chain of custody of one appeal as a signed document anyone can check without the database.
 */
export function registerLedgerCommands(program: Command, io: CliIo): void {
  const ledger = program
    .command('ledger')
    .description("the handoff ledger: verify it, seal its head, prove an appeal's chain of custody");

  withHubOptions(
    ledger
      .command('verify')
      .description('check every entry and checkpoint; exit 1 naming the first bad entry'),
  ).action((options: HubOptions) =>
    runHubCommand(io, options, async (hub) => {
      const result = await verifyLedger(hub.store, await hubSigningCertificates(hub));
      const { problem } = result;
      if (problem !== undefined) {
        throw new VkhidError('LEDGER_BROKEN', {
          args: [problem.seq, `${problem.reason}: ${problem.message}`],
          field:
            problem.reason === 'checkpoint' && problem.checkpoint !== undefined
              ? `ledger_checkpoints[number=${problem.checkpoint}]`
              : `ledger_entries[seq=${problem.seq}]`,
        });
      }
      const after = result.head.seq - result.checkpointedSeq;
      return {
        json: { ...result },
        text:
          `ledger ok: ${result.entries} entries, head ${result.head.seq} (${result.head.hash}), ` +
          `${result.checkpoints} signed checkpoint(s)` +
          (after > 0 ? `; ${after} entries after the last checkpoint\n` : '\n'),
      };
    }),
  );

  withHubOptions(
    ledger
      .command('checkpoint')
      .description('sign the chain head now (the server also does it periodically)'),
  ).action((options: HubOptions) =>
    runHubCommand(io, options, async (hub) => {
      const result = await checkpoint(hub);
      const signed = result.checkpoint;
      return {
        json: { created: result.created, checkpoint: signed },
        text:
          signed === null
            ? 'the ledger is empty: nothing to sign\n'
            : `${result.created ? 'signed' : 'already signed'}: checkpoint ${signed.number}, entries ${signed.fromSeq}..${signed.seq}\n`,
      };
    }),
  );

  withHubOptions(
    ledger
      .command('proof')
      .description("export an appeal's chain of custody, signed by the hub, checkable offline")
      .argument('<tracking>', 'the appeal tracking number')
      .option('--out <file>', 'write the proof to this file (default: standard output)'),
  ).action((tracking: string, options: HubOptions & { out?: string }) => {
    if (options.out === undefined && options.json === true) {
      throw usageError('--json needs --out: without it the proof itself is the output');
    }
    return runHubCommand(
      io,
      { ...options, json: options.out === undefined ? undefined : options.json },
      async (hub) => {
        const proof = await buildLedgerProof(hub, tracking, {
          hubCertificates: await hubSigningCertificates(hub),
          ca: new X509Certificate(hub.home.read('ca.pem')),
        });
        const text = `${JSON.stringify(proof, null, 2)}\n`;
        if (options.out === undefined) return { json: {}, text };
        writeFileSync(options.out, text);
        return {
          json: {
            file: options.out,
            entries: proof.proof.entries.length,
            checkpoints: proof.proof.checkpoints.length,
          },
          text: `proof of ${tracking}: ${proof.proof.entries.length} entries, ${proof.proof.checkpoints.length} checkpoint(s), written to ${options.out}\n`,
        };
      },
    );
  });

  ledger
    .command('verify-proof')
    .description('check a ledger proof without the hub database')
    .argument('<file>', 'the proof file')
    .option('--ca <file>', "the hub CA you trust (PEM); without it the proof's own CA is used")
    .option('--json', 'print exactly one JSON value on standard output')
    .action((file: string, options: { ca?: string; json?: boolean }) => {
      try {
        const ca = options.ca === undefined ? undefined : readCertificate(options.ca);
        const result = verifyLedgerProof(readText(file), ca === undefined ? {} : { ca });
        if (options.json === true) {
          printJson(io, { ok: true, ...result });
          return;
        }
        io.stdout(
          `proof ok: ${result.tracking}, ${result.entries} entries under ${result.checkpoints} checkpoint(s) of hub ${result.hub}, issued ${result.issuedAt}\n` +
            (result.caPinned
              ? `CA ${result.caFingerprint} (given with --ca)\n`
              : `CA ${result.caFingerprint} taken from the proof itself: pass --ca with the hub CA you trust\n`),
        );
      } catch (error) {
        if (options.json === true && error instanceof VkhidError && error.code !== 'INTERNAL') {
          printJson(io, {
            ok: false,
            code: error.code,
            message: error.message,
            ...(error.field === undefined ? {} : { field: error.field }),
          });
          throw new CliExit(ExitCode.Refused);
        }
        throw error;
      }
    });
}

/**
 * The certificates a checkpoint may be signed with: the hub signing certificates in the registry (current
 * and rotated), kept only if the CA on disk issued them, so that a certificate slipped into the database
 * cannot vouch for forged checkpoints.
 */
async function hubSigningCertificates(hub: HubContext): Promise<X509Certificate[]> {
  const ca = new X509Certificate(hub.home.read('ca.pem'));
  const registered = (await hub.registry.listCertificates({ role: 'hub-sign' })).map(
    (record) => new X509Certificate(record.pem),
  );
  return [new X509Certificate(hub.home.read('hub-sign.pem')), ...registered].filter(
    (certificate) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey),
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw usageError(`cannot read ${file}`);
  }
}

function readCertificate(file: string): X509Certificate {
  try {
    return new X509Certificate(readFileSync(file));
  } catch {
    throw usageError(`${file} is not a readable PEM certificate`);
  }
}
