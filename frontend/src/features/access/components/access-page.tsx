import { Tabs, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';

import { EffectivePanel } from './effective-panel';
import { GroupsPanel } from './groups-panel';
import { ImportExportPanel } from './import-export-panel';
import { MappingsPanel } from './mappings-panel';
import { ScopesPanel } from './scopes-panel';

const tabs = ['scopes', 'mappings', 'groups', 'effective', 'import'] as const;
type Tab = (typeof tabs)[number];

/** Who may do what: scopes and their rules, group mappings, groups, effective permissions, scopes.yml. */
export function AccessPage() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = tabs.find((t) => t === params.get('tab')) ?? 'scopes';
  return (
    <div className="page">
      <title>Access · MCP Gateway Registry</title>
      <Title order={1} size="h2" className="page__title">
        Access
      </Title>
      <Tabs value={tab} onChange={(v) => setParams(v && v !== 'scopes' ? { tab: v } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="scopes">Scopes</Tabs.Tab>
          <Tabs.Tab value="mappings">Group mappings</Tabs.Tab>
          <Tabs.Tab value="groups">Groups</Tabs.Tab>
          <Tabs.Tab value="effective">Who can do what</Tabs.Tab>
          <Tabs.Tab value="import">Import / export</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="scopes" pt="md">
          <ScopesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="mappings" pt="md">
          <MappingsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="groups" pt="md">
          <GroupsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="effective" pt="md">
          <EffectivePanel />
        </Tabs.Panel>
        <Tabs.Panel value="import" pt="md">
          <ImportExportPanel />
        </Tabs.Panel>
      </Tabs>
    </div>
  );
}
