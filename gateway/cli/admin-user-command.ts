import type { Command } from 'commander';
import { ADMIN_ROLES, AdminUsers, isAdminRole } from '../admin/admin-users.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { CliIo } from './cli-io.js';
import { cliActor, runHubCommand, withHubOptions, type HubOptions } from './hub-options.js';

/**
 * `vkhid admin-user add|disable|list`: the people who may use the admin API. The command line is also the way
 * back in when every administrator of the API has been disabled, since it works on the data directory itself.
 */
export function registerAdminUserCommands(program: Command, io: CliIo): void {
  const users = program
    .command('admin-user')
    .description('administrators of the admin HTTP API and their tokens');

  withHubOptions(
    users
      .command('add')
      .description('add an administrator and print its bearer token (shown once, stored only as a hash)')
      .argument('<name>')
      .requiredOption('--role <role>', `one of ${ADMIN_ROLES.join(', ')}`),
  ).action((name: string, options: HubOptions & { role: string }) => {
    if (!isAdminRole(options.role)) {
      throw new VkhidError('CLI_USAGE', { args: [`--role must be one of ${ADMIN_ROLES.join(', ')}`] });
    }
    const role = options.role;
    return runHubCommand(io, options, async (hub) => {
      const { user, token } = await new AdminUsers(hub.store).add(name, role, cliActor());
      return {
        json: { user, token },
        text: `administrator ${user.name} (${user.role}) added\ntoken (shown once): ${token}\n`,
      };
    });
  });

  withHubOptions(users.command('disable').description('disable an administrator').argument('<name>')).action(
    (name: string, options: HubOptions) =>
      runHubCommand(io, options, async (hub) => {
        await new AdminUsers(hub.store).disable(name, cliActor());
        return { json: { name, disabled: true }, text: `administrator ${name} disabled\n` };
      }),
  );

  withHubOptions(users.command('list').description('list administrators (never their tokens)')).action(
    (options: HubOptions) =>
      runHubCommand(io, options, async (hub) => {
        const list = await new AdminUsers(hub.store).list();
        return {
          json: { users: list },
          text:
            list.length === 0
              ? 'no administrators\n'
              : list
                  .map(
                    (user) =>
                      `${user.name}\t${user.role}\t${user.disabledAt === null ? 'active' : `disabled ${user.disabledAt}`}\n`,
                  )
                  .join(''),
        };
      }),
  );
}
