import { Alert, Modal, PasswordInput, Stack, Switch, TagsInput, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';

import { FormActions } from '@/components/ui/form-actions';
import { ApiError, errorMessage, fieldError } from '@/lib/api/errors';

import { useCreateUser } from '../api/create-user';
import type { User } from '../api/keys';
import { useUpdateUser } from '../api/update-user';
import { passwordProblem, userChanges } from '../utils/users';

function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error || (error instanceof ApiError && error.field && fields.includes(error.field))) return null;
  return (
    <Alert color="red" role="alert">
      {errorMessage(error)}
    </Alert>
  );
}

/** A new local user: signs in with a password, is in the groups given. */
export function CreateUserDialog({ opened, onClose, groups }: { opened: boolean; onClose: () => void; groups: string[] }) {
  const create = useCreateUser();
  const [v, setV] = useState({ username: '', display_name: '', email: '', password: '', again: '', groups: [] as string[] });
  const [tried, setTried] = useState(false);
  const problem = passwordProblem(v.password, v.again);

  function close() {
    create.reset();
    setTried(false);
    setV({ username: '', display_name: '', email: '', password: '', again: '', groups: [] });
    onClose();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (!v.username.trim() || problem) return;
    const { again: _again, ...body } = v;
    void _again;
    create.mutate(
      { ...body, username: body.username.trim() },
      {
        onSuccess: (u) => {
          notifications.show({ color: 'green', message: `${u.username} can sign in now.` });
          close();
        },
      },
    );
  }
  return (
    <Modal opened={opened} onClose={close} title="Create a local user" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Username"
            required
            autoCapitalize="none"
            spellCheck={false}
            value={v.username}
            onChange={(e) => setV({ ...v, username: e.currentTarget.value })}
            error={(tried && !v.username.trim() ? 'Give a username.' : undefined) ?? fieldError(create.error, 'username')}
            data-autofocus
          />
          <TextInput
            label="Display name"
            value={v.display_name}
            onChange={(e) => setV({ ...v, display_name: e.currentTarget.value })}
            error={fieldError(create.error, 'display_name')}
          />
          <TextInput
            label="E-mail"
            type="email"
            value={v.email}
            onChange={(e) => setV({ ...v, email: e.currentTarget.value })}
            error={fieldError(create.error, 'email')}
          />
          <PasswordInput
            label="Password"
            description="At least 8 characters."
            required
            autoComplete="new-password"
            value={v.password}
            onChange={(e) => setV({ ...v, password: e.currentTarget.value })}
            error={fieldError(create.error, 'password')}
          />
          <PasswordInput
            label="Password again"
            required
            autoComplete="new-password"
            value={v.again}
            onChange={(e) => setV({ ...v, again: e.currentTarget.value })}
            error={tried ? problem : undefined}
          />
          <TagsInput
            label="Groups"
            description="They decide what the user may do (e.g. mcp-user, mcp-server-weather). Press Enter after each."
            data={groups}
            value={v.groups}
            onChange={(g) => setV({ ...v, groups: g })}
            error={fieldError(create.error, 'groups')}
          />
          <FormError error={create.error} fields={['username', 'display_name', 'email', 'password', 'groups']} />
          <FormActions onCancel={close} submitLabel="Create user" pending={create.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Edit a user's name, e-mail, groups and status. Identity-provider users' groups come from the provider. */
export function EditUserDialog({ user, onClose, groups }: { user: User | undefined; onClose: () => void; groups: string[] }) {
  return (
    <Modal opened={user !== undefined} onClose={onClose} title={user ? `Edit ${user.username}` : ''} size="lg">
      {user ? <EditUserForm key={user.id} user={user} onClose={onClose} groups={groups} /> : null}
    </Modal>
  );
}

function EditUserForm({ user, onClose, groups }: { user: User; onClose: () => void; groups: string[] }) {
  const update = useUpdateUser();
  const [v, setV] = useState({ display_name: user.display_name, email: user.email, groups: user.groups, disabled: user.disabled });
  const local = user.auth_source === 'local';
  const changes = userChanges(user, v);
  const endsSessions = changes.groups !== undefined || changes.disabled === true;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (Object.keys(changes).length === 0) return onClose();
    update.mutate(
      { id: user.id, changes },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: `${user.username} was updated.` });
          onClose();
        },
      },
    );
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="Display name"
          value={v.display_name}
          onChange={(e) => setV({ ...v, display_name: e.currentTarget.value })}
          error={fieldError(update.error, 'display_name')}
        />
        <TextInput
          label="E-mail"
          type="email"
          value={v.email}
          onChange={(e) => setV({ ...v, email: e.currentTarget.value })}
          error={fieldError(update.error, 'email')}
        />
        <TagsInput
          label="Groups"
          description={
            local
              ? 'Press Enter after each group.'
              : `Set by ${user.auth_source} at each sign-in; a change here lasts until the next.`
          }
          data={groups}
          value={v.groups}
          onChange={(g) => setV({ ...v, groups: g })}
          error={fieldError(update.error, 'groups')}
        />
        <Switch
          label="Disabled: the user cannot sign in, and their tokens stop working"
          checked={v.disabled}
          onChange={(e) => setV({ ...v, disabled: e.currentTarget.checked })}
        />
        {endsSessions ? (
          <Text size="sm" c="orange.9" role="status">
            Saving ends all of {user.username}&apos;s sessions: they will have to sign in again.
          </Text>
        ) : null}
        <FormError error={update.error} fields={['display_name', 'email', 'groups']} />
        <FormActions onCancel={onClose} submitLabel="Save" pending={update.isPending} />
      </Stack>
    </form>
  );
}

/** A new password for a local user; ends their sessions. */
export function PasswordDialog({ user, onClose }: { user: User | undefined; onClose: () => void }) {
  const update = useUpdateUser();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [tried, setTried] = useState(false);
  const problem = passwordProblem(password, again);

  function close() {
    update.reset();
    setPassword('');
    setAgain('');
    setTried(false);
    onClose();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (!user || problem) return;
    update.mutate(
      { id: user.id, changes: { password } },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: `${user.username}'s password was changed.` });
          close();
        },
      },
    );
  }
  return (
    <Modal opened={user !== undefined} onClose={close} title={user ? `Reset the password of ${user.username}` : ''}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <PasswordInput
            label="New password"
            description="At least 8 characters. Their sessions end."
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError(update.error, 'password')}
            data-autofocus
          />
          <PasswordInput
            label="New password again"
            autoComplete="new-password"
            value={again}
            onChange={(e) => setAgain(e.currentTarget.value)}
            error={tried ? problem : undefined}
          />
          <FormError error={update.error} fields={['password']} />
          <FormActions onCancel={close} submitLabel="Set password" pending={update.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}
