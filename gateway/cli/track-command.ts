import type { Command } from 'commander';
import { AccessCodes } from '../tracking/access-code.js';
import { findAppeal } from '../tracking/appeal-tracker.js';
import type { CliIo } from './cli-io.js';
import { runHubCommand, usageError, withHubOptions, type HubOptions } from './hub-options.js';

/** A tracking number as the envelope schema allows it (TrackingNumber in schemas/vkhid-envelope-1.xsd). */
const TRACKING = /^[A-Z0-9][A-Z0-9/-]{2,39}$/;

/**
 * `vkhid track code TRACKING`: the access code the contact center gives the citizen with the tracking number,
 * for `GET /v1/track/{tracking}`. The code is derived, not stored, so it can be given at registration, before
 * the appeal reaches the hub; a note (or `tracked` in the JSON) says whether the hub tracks the appeal yet.
 */
export function registerTrackCommands(program: Command, io: CliIo): void {
  const track = program.command('track').description("the citizen's access to an appeal's status");

  withHubOptions(
    track
      .command('code')
      .description('print the access code a citizen needs with the tracking number')
      .argument('<tracking>', 'the appeal tracking number'),
  ).action((tracking: string, options: HubOptions) => {
    if (!TRACKING.test(tracking)) {
      throw usageError(
        `${JSON.stringify(tracking)} is not a tracking number (A-Z, 0-9, '-' and '/', 3 to 40 characters)`,
      );
    }
    return runHubCommand(io, options, async (hub) => {
      const code = AccessCodes.forHome(hub.home).codeFor(tracking);
      const tracked = (await hub.store.read((db) => findAppeal(db, tracking))) !== undefined;
      // On standard error, so that `$(vkhid track code T)` is the code alone.
      if (!tracked && options.json !== true) io.stderr(`note: the hub does not track ${tracking} yet\n`);
      return { json: { tracking, code, tracked }, text: `${code}\n` };
    });
  });
}
