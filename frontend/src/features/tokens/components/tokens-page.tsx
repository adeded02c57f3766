import { Tabs, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';

import { PersonalTokens } from './personal-tokens';
import { ServiceAccounts } from './service-accounts';

type TokensPageProps = {
  isAdmin: boolean;
  /** Only a browser session may create personal access tokens. */
  canCreateTokens: boolean;
};

/** Personal access tokens for everyone; service accounts for administrators. The tab is in the URL. */
export function TokensPage({ isAdmin, canCreateTokens }: TokensPageProps) {
  const [params, setParams] = useSearchParams();
  const tab = isAdmin && params.get('tab') === 'service-accounts' ? 'service-accounts' : 'personal';
  return (
    <div className="page">
      <title>Tokens · MCP Gateway Registry</title>
      <Title order={1} size="h2" className="page__title">
        Tokens
      </Title>
      {isAdmin ? (
        <Tabs value={tab} onChange={(v) => setParams(v === 'service-accounts' ? { tab: v } : {}, { replace: true })}>
          <Tabs.List>
            <Tabs.Tab value="personal">Personal access tokens</Tabs.Tab>
            <Tabs.Tab value="service-accounts">Service accounts</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="personal" pt="md">
            <PersonalTokens isAdmin canCreate={canCreateTokens} />
          </Tabs.Panel>
          <Tabs.Panel value="service-accounts" pt="md">
            <ServiceAccounts />
          </Tabs.Panel>
        </Tabs>
      ) : (
        <PersonalTokens isAdmin={false} canCreate={canCreateTokens} />
      )}
    </div>
  );
}
