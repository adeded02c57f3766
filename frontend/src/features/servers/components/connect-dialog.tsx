import { Anchor, Button, Checkbox, Code, CopyButton, Group, Modal, SegmentedControl, Stack, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';

import { paths } from '@/config/paths';

import type { Server } from '../api/keys';
import { clientConfigs, endpointUrl, ingressHeader, type ClientId, type Transport } from '../utils/client-configs';
import { CopyField } from './copy-field';

type ConnectDialogProps = {
  /** The server to connect to; the dialog is closed while it is null. */
  server: Server | null;
  onClose: () => void;
};

/** Client configurations for a server, ready to paste, for each popular MCP client. */
export function ConnectDialog({ server, onClose }: ConnectDialogProps) {
  return (
    <Modal opened={server !== null} onClose={onClose} title={server ? `Connect to ${server.display_name}` : ''} size="xl">
      {server ? <ConnectBody server={server} /> : null}
    </Modal>
  );
}

function ConnectBody({ server }: { server: Server }) {
  const origin = globalThis.location.origin;
  const [transport, setTransport] = useState<Transport>(server.transport);
  const [passthrough, setPassthrough] = useState(server.egress?.type === 'passthrough');
  const [client, setClient] = useState<ClientId>('vscode');
  const configs = clientConfigs({ path: server.path, origin, transport, passthrough });

  return (
    <Stack gap="md">
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          Endpoints
        </Text>
        <Group gap="xs">
          <Text size="sm" w={130} className="nowrap">
            Streamable HTTP
          </Text>
          <CopyField value={endpointUrl(origin, server.path, 'streamable-http')} label="Streamable HTTP endpoint" />
        </Group>
        <Group gap="xs">
          <Text size="sm" w={130} className="nowrap">
            SSE (legacy)
          </Text>
          <CopyField value={endpointUrl(origin, server.path, 'sse')} label="SSE endpoint" />
        </Group>
        <Text size="xs" c="dimmed">
          This server is registered as {server.transport === 'sse' ? 'SSE' : 'Streamable HTTP'}; the other endpoint works
          only if the upstream also serves it.
        </Text>
      </Stack>

      <Group gap="lg" align="flex-end">
        <div>
          <Text size="sm" fw={500} mb={4} id="connect-transport">
            Transport
          </Text>
          <SegmentedControl
            aria-labelledby="connect-transport"
            value={transport}
            onChange={(v) => setTransport(v as Transport)}
            data={[
              { label: 'Streamable HTTP', value: 'streamable-http' },
              { label: 'SSE', value: 'sse' },
            ]}
          />
        </div>
        <Checkbox
          label="The server needs my own credentials (pass-through)"
          description={`Sends the gateway token in ${ingressHeader(true)} and yours in Authorization.`}
          checked={passthrough}
          onChange={(e) => setPassthrough(e.currentTarget.checked)}
        />
      </Group>

      <Tabs value={client} onChange={(v) => v && setClient(v as ClientId)} keepMounted={false}>
        <Tabs.List>
          {configs.map((c) => (
            <Tabs.Tab key={c.id} value={c.id}>
              {c.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {configs.map((c) => (
          <Tabs.Panel key={c.id} value={c.id} pt="sm">
            <Stack gap="xs">
              <Group justify="space-between">
                <Text size="sm">
                  Paste into <Code>{c.file}</Code>
                </Text>
                <CopyButton value={c.text}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant={copied ? 'light' : 'filled'} color={copied ? 'teal' : undefined} onClick={copy}>
                      {copied ? 'Copied' : `Copy ${c.label} configuration`}
                    </Button>
                  )}
                </CopyButton>
              </Group>
              <Code block className="code-block" data-config={c.id}>
                {c.text}
              </Code>
              <Text size="xs" c="dimmed">
                {c.hint}
              </Text>
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>

      <Text size="sm">
        You need a gateway token:{' '}
        <Anchor component={Link} to={paths.tokens}>
          create a personal access token
        </Anchor>
        , or use a service account&apos;s client credentials.
      </Text>
    </Stack>
  );
}
