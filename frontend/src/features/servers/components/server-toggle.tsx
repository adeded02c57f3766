import { Switch } from '@mantine/core';
import { notifications } from '@mantine/notifications';

import { errorMessage } from '@/lib/api/errors';

import type { Server } from '../api/keys';
import { useToggleServer } from '../api/toggle-server';

/**
 * Enables or disables the server, for users with the toggle permission. Its
 * accessible name says what it controls; the state shows in the switch.
 */
export function ServerToggle({ server, withLabel = false }: { server: Server; withLabel?: boolean }) {
  const toggle = useToggleServer();
  const pending = toggle.isPending;
  return (
    <Switch
      checked={pending && toggle.variables ? toggle.variables.enabled : server.enabled}
      disabled={pending}
      label={withLabel ? (server.enabled ? 'Enabled' : 'Disabled') : undefined}
      aria-label={withLabel ? undefined : `Enabled: ${server.display_name}`}
      onChange={(event) =>
        toggle.mutate(
          { id: server.id, enabled: event.currentTarget.checked },
          {
            onError: (error) =>
              notifications.show({
                color: 'red',
                title: `Could not ${server.enabled ? 'disable' : 'enable'} ${server.display_name}`,
                message: errorMessage(error),
              }),
          },
        )
      }
    />
  );
}
