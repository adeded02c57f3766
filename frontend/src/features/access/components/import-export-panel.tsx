import { Alert, Button, Checkbox, FileButton, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';

import { LoadError } from '@/components/ui/loading';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';

import { exportScopesUrl, useImportScopes } from '../api/import-scopes';

/** scopes.yml in and out, in the format of the Python gateway (UI-Scopes, group_mappings, server scopes). */
export function ImportExportPanel() {
  const importer = useImportScopes();
  const [yaml, setYaml] = useState('');
  const [replace, setReplace] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function readFile(file: File | null) {
    if (file) setYaml(await file.text());
  }

  return (
    <Stack gap="xl">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Export
        </Title>
        <Text size="sm">Every scope and mapping you defined (not the built-in ones), as scopes.yml.</Text>
        <Button component="a" href={exportScopesUrl} download="scopes.yml" variant="default" w="fit-content">
          Download scopes.yml
        </Button>
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h4">
          Import
        </Title>
        <Text size="sm">
          All or nothing: a file with a mistake changes nothing, and the error names the place in the file.
        </Text>
        <Group>
          <FileButton onChange={(f) => void readFile(f)} accept=".yml,.yaml,application/yaml,text/yaml,text/plain">
            {(props) => (
              <Button variant="default" {...props}>
                Choose a file…
              </Button>
            )}
          </FileButton>
          <Text size="sm" c="dimmed">
            or paste it below
          </Text>
        </Group>
        <Textarea
          label="scopes.yml"
          autosize
          minRows={6}
          maxRows={20}
          value={yaml}
          onChange={(e) => setYaml(e.currentTarget.value)}
          classNames={{ input: 'mono' }}
          spellCheck={false}
        />
        <Checkbox
          label="Replace: remove every scope and mapping defined before"
          description="Without it, the file's scopes and mappings are added, or overwrite those of the same name."
          checked={replace}
          onChange={(e) => setReplace(e.currentTarget.checked)}
        />
        {importer.isError ? (
          <LoadError title="Nothing was imported" error={importer.error} />
        ) : null}
        {importer.isSuccess ? (
          <Alert color="green" role="status" title="Imported">
            {importer.data.scopes} scopes and {importer.data.mappings} mappings
            {importer.data.replaced ? ', replacing everything defined before' : ''}.
          </Alert>
        ) : null}
        <Group>
          <Button
            color={replace ? 'red' : undefined}
            disabled={!yaml.trim()}
            loading={importer.isPending}
            onClick={() => (replace ? setConfirming(true) : importer.mutate({ yaml, replace }))}
          >
            {replace ? 'Replace everything with this file' : 'Import'}
          </Button>
        </Group>
        <ConfirmDialog
          opened={confirming}
          title="Replace every scope and mapping?"
          confirmLabel="Replace everything"
          onClose={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            importer.mutate({ yaml, replace: true });
          }}
        >
          Every scope and mapping defined now is removed, and the file&apos;s take their place, on every replica within
          a second. Export first if you may want them back.
        </ConfirmDialog>
      </Stack>
    </Stack>
  );
}
