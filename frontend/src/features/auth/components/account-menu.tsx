import { Badge, Button, Group, Text } from '@mantine/core';
import { useNavigate } from 'react-router';

import { paths } from '@/config/paths';
import { errorMessage } from '@/lib/api/errors';

import { useLogout } from '../api/logout';
import type { Me } from '../api/me';

/** Who is signed in, whether they administer the gateway, and a way to sign out. */
export function AccountMenu({ me }: { me: Me }) {
  const navigate = useNavigate();
  const logout = useLogout({ onSuccess: () => void navigate(paths.login, { replace: true }) });

  return (
    <Group gap="sm" wrap="nowrap" className="account">
      <Text size="sm" className="account__who">
        Signed in as {me.username}
      </Text>
      {me.is_admin ? (
        <Badge variant="light" radius="sm">
          Admin
        </Badge>
      ) : null}
      <Button variant="default" size="xs" onClick={() => logout.mutate()} loading={logout.isPending}>
        Sign out
      </Button>
      {logout.isError ? (
        <Text role="alert" c="red" size="sm" className="account__error">
          {errorMessage(logout.error)}
        </Text>
      ) : null}
    </Group>
  );
}
