import type { Command } from 'commander';
import { initialiseHub } from '../hub/hub-pki.js';
import type { HubHome } from '../hub/hub-home.js';
import type { CertificateRecord } from '../registry/registry-model.js';
import type { CliIo } from './cli-io.js';
import { cliActor, runHubCommand, withHubOptions, type HubOptions } from './hub-options.js';

type HubFile = Parameters<HubHome['path']>[0];

/** `vkhid init`: the hub CA and the hub's own signing and TLS certificates, once per data directory. */
export function registerInitCommand(program: Command, io: CliIo): void {
  withHubOptions(
    program
      .command('init')
      .description(
        'create the hub CA and the hub certificates in the data directory (refused if it already has them)',
      ),
  ).action((options: HubOptions) =>
    runHubCommand(
      io,
      options,
      async (hub) => {
        const created = await initialiseHub(hub, cliActor());
        const describe = (record: CertificateRecord, certificate: HubFile, key: HubFile) => ({
          certificate: hub.home.path(certificate),
          key: hub.home.path(key),
          subject: record.subject,
          serialNumber: record.serialNumber,
          fingerprint: record.fingerprint,
          notAfter: record.notAfter,
        });
        const files = {
          ca: describe(created.ca, 'ca.pem', 'ca.key'),
          signing: describe(created.signing, 'hub-sign.pem', 'hub-sign.key'),
          tls: describe(created.tls, 'hub-tls.pem', 'hub-tls.key'),
        };
        const lines = [
          `initialised the hub in ${hub.config.dataDir}`,
          ...(
            [
              ['hub CA', files.ca],
              ['signing', files.signing],
              ['TLS', files.tls],
            ] as const
          ).flatMap(([label, file]) => [
            `${label}: ${file.subject}`,
            `  certificate  ${file.certificate}`,
            `  private key  ${file.key} (mode 0600)`,
            `  fingerprint  ${file.fingerprint}`,
            `  serial       ${file.serialNumber}`,
            `  not after    ${file.notAfter}`,
          ]),
        ];
        return { json: { dataDir: hub.config.dataDir, ...files }, text: `${lines.join('\n')}\n` };
      },
      { requireInitialised: false },
    ),
  );
}
