import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Paper,
  PasswordInput,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';

import { FormActions } from '@/components/ui/form-actions';
import { RemoveIcon } from '@/components/ui/icons';
import { ApiError, errorMessage } from '@/lib/api/errors';

import type { Server } from '../api/keys';
import { formField, initialValues, validate, type EgressType, type ServerFormValues } from '../utils/server-form';

type ServerFormProps = {
  /** The server being edited; absent when registering a new one. */
  server?: Server;
  /** Sends the form; rejects with the API's error, which the form explains. */
  onSubmit: (values: ServerFormValues) => Promise<unknown>;
  onCancel: () => void;
  /** For an edit that met someone else's change (412): loads the current version into a new form. */
  onReload?: () => Promise<void>;
  /** Tag suggestions: the tags other servers use. */
  knownTags?: string[];
};

const egressOptions: { value: EgressType; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'bearer', label: 'Bearer token (stored by the gateway)' },
  { value: 'headers', label: 'Custom headers (stored by the gateway)' },
  { value: 'passthrough', label: "Pass-through (the agent's own Authorization)" },
];

/** Register or edit a server: the gateway's own validation messages land on the fields they concern. */
export function ServerForm({ server, onSubmit, onCancel, onReload, knownTags = [] }: ServerFormProps) {
  const form = useForm<ServerFormValues>({
    mode: 'controlled',
    initialValues: initialValues(server),
    validate: (values) => validate(values),
    validateInputOnBlur: ['path', 'display_name', 'upstream_url'],
  });
  const [formError, setFormError] = useState<string>();
  const [conflict, setConflict] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const values = form.getValues();

  async function submit(v: ServerFormValues) {
    setFormError(undefined);
    setConflict(false);
    setSubmitting(true);
    try {
      await onSubmit(v);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        setConflict(true);
      } else {
        const field = error instanceof ApiError ? formField(error.field) : undefined;
        if (field) form.setFieldError(field, error instanceof ApiError ? error.message : errorMessage(error));
        else setFormError(errorMessage(error));
      }
    } finally {
      setSubmitting(false);
    }
  }

  const headers = values.headers;
  return (
    <form onSubmit={form.onSubmit((v) => void submit(v))} noValidate aria-label={server ? 'Edit server' : 'Register server'}>
      <Stack gap="lg">
        {conflict ? (
          <Alert color="orange" role="alert" title="Someone else changed this server">
            <Text size="sm" mb="sm">
              It was edited after you opened this form, so your changes were not saved. Reload to see the current
              version, then make your changes again.
            </Text>
            {onReload ? (
              <Button size="xs" variant="default" onClick={() => void onReload()}>
                Reload the server
              </Button>
            ) : null}
          </Alert>
        ) : null}
        {formError ? (
          <Alert color="red" role="alert" title="Not saved">
            {formError}
          </Alert>
        ) : null}

        <Paper withBorder p="lg">
          <Stack gap="md">
            <Title order={2} size="h4">
              The server
            </Title>
            <TextInput
              label="Name"
              description="How people see it in the dashboard."
              required
              {...form.getInputProps('display_name')}
            />
            <TextInput
              label="Path"
              description="Agents reach it at /{path}/mcp on the gateway: lowercase letters, digits, - and _."
              required
              autoCapitalize="none"
              spellCheck={false}
              classNames={{ input: 'mono' }}
              {...form.getInputProps('path')}
            />
            <Textarea label="Description" autosize minRows={2} maxRows={6} {...form.getInputProps('description')} />
            <TagsInput
              label="Tags"
              description="Press Enter after each tag."
              data={knownTags}
              clearable
              {...form.getInputProps('tags')}
            />
            <TextInput label="License" {...form.getInputProps('license')} />
            {server ? null : (
              <Switch
                label="Enabled: agents may use it as soon as it is registered"
                {...form.getInputProps('enabled', { type: 'checkbox' })}
              />
            )}
          </Stack>
        </Paper>

        <Paper withBorder p="lg">
          <Stack gap="md">
            <Title order={2} size="h4">
              Upstream
            </Title>
            <TextInput
              label="Upstream URL"
              description="The MCP server's own endpoint, which the gateway forwards to, e.g. http://10.0.0.5:8000/mcp."
              required
              spellCheck={false}
              {...form.getInputProps('upstream_url')}
            />
            <Select
              label="Transport"
              data={[
                { value: 'streamable-http', label: 'Streamable HTTP' },
                { value: 'sse', label: 'SSE (legacy)' },
              ]}
              allowDeselect={false}
              {...form.getInputProps('transport')}
            />
            <Select
              label="Credentials the gateway sends upstream"
              data={egressOptions}
              allowDeselect={false}
              {...form.getInputProps('egressType')}
            />
            {values.egressType === 'bearer' ? (
              <PasswordInput
                label="Token"
                description={
                  values.tokenStored
                    ? 'A token is stored; it is never shown. Leave empty to keep it, or type a new one.'
                    : 'Sent as Authorization: Bearer <token>. Stored encrypted; never shown again.'
                }
                autoComplete="off"
                {...form.getInputProps('token')}
              />
            ) : null}
            {values.egressType === 'headers' ? (
              <Stack gap="xs">
                <Text size="sm" fw={500}>
                  Headers
                </Text>
                {headers.map((h, i) => (
                  <Group key={i} gap="xs" align="flex-end" wrap="nowrap">
                    <TextInput
                      label={`Header ${i + 1} name`}
                      placeholder="X-Api-Key"
                      value={h.name}
                      onChange={(e) => {
                        form.setFieldValue(`headers.${i}.name`, e.currentTarget.value);
                        // A renamed header has no stored value.
                        form.setFieldValue(`headers.${i}.stored`, false);
                      }}
                    />
                    <PasswordInput
                      label={`Header ${i + 1} value`}
                      placeholder={h.stored ? 'Stored; leave empty to keep' : undefined}
                      autoComplete="off"
                      value={h.value}
                      onChange={(e) => form.setFieldValue(`headers.${i}.value`, e.currentTarget.value)}
                    />
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      size="lg"
                      aria-label={`Remove header ${i + 1}`}
                      onClick={() => form.removeListItem('headers', i)}
                    >
                      <RemoveIcon />
                    </ActionIcon>
                  </Group>
                ))}
                {form.errors.headers ? (
                  <Text size="sm" c="red" role="alert">
                    {form.errors.headers}
                  </Text>
                ) : null}
                <Button
                  variant="default"
                  size="xs"
                  w="fit-content"
                  onClick={() => form.insertListItem('headers', { name: '', value: '', stored: false })}
                >
                  Add header
                </Button>
              </Stack>
            ) : null}
            {values.egressType === 'passthrough' ? (
              <Text size="sm" c="dimmed">
                Agents send their gateway token in X-Authorization and their own token for this server in
                Authorization, which the gateway passes on. Health checks send no credentials.
              </Text>
            ) : null}
          </Stack>
        </Paper>

        <FormActions onCancel={onCancel} submitLabel={server ? 'Save changes' : 'Register server'} pending={submitting} />
      </Stack>
    </form>
  );
}
