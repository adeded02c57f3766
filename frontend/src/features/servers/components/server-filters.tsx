import { Button, MultiSelect, SegmentedControl, Select, TextInput } from '@mantine/core';

import { healthLabel } from '../utils/health';
import type { EnabledFilter, HealthFilter, ServerFilters as Filters, SortKey } from '../utils/filters';

export type ViewMode = 'cards' | 'table';

type ServerFiltersProps = {
  filters: Filters;
  onChange: (filters: Filters) => void;
  tags: string[];
  view: ViewMode;
  onViewChange: (view: ViewMode) => void;
};

const healthOptions = (Object.keys(healthLabel) as HealthFilter[]).map((value) => ({ value, label: healthLabel[value] }));

/** Search, tag, health and enabled filters, sort order, and the cards/table switch. */
export function ServerFilters({ filters, onChange, tags, view, onViewChange }: ServerFiltersProps) {
  const set = (changes: Partial<Filters>) => onChange({ ...filters, ...changes });
  const active = Boolean(filters.q || filters.tags.length || filters.health || filters.enabled);
  return (
    <div className="filters" role="search">
      <TextInput
        className="filters__search"
        label="Search"
        placeholder="Name, path, description or tag"
        type="search"
        value={filters.q}
        onChange={(e) => set({ q: e.currentTarget.value })}
      />
      <MultiSelect
        className="filters__select"
        label="Tags"
        placeholder={filters.tags.length ? undefined : 'Any'}
        data={[...new Set([...tags, ...filters.tags])]}
        value={filters.tags}
        onChange={(value) => set({ tags: value })}
        searchable
        clearable
      />
      <Select
        className="filters__select"
        label="Health"
        placeholder="Any"
        data={healthOptions}
        value={filters.health ?? null}
        onChange={(value) => set({ health: (value as HealthFilter | null) ?? undefined })}
        clearable
      />
      <Select
        className="filters__select"
        label="Status"
        placeholder="Any"
        data={[
          { value: 'enabled', label: 'Enabled' },
          { value: 'disabled', label: 'Disabled' },
        ]}
        value={filters.enabled ?? null}
        onChange={(value) => set({ enabled: (value as EnabledFilter | null) ?? undefined })}
        clearable
      />
      <Select
        className="filters__select"
        label="Sort by"
        data={[
          { value: 'name', label: 'Name' },
          { value: 'path', label: 'Path' },
          { value: 'health', label: 'Health (trouble first)' },
          { value: 'checked', label: 'Last checked' },
        ]}
        value={filters.sort}
        onChange={(value) => set({ sort: (value as SortKey | null) ?? 'name' })}
        allowDeselect={false}
      />
      {active ? (
        <Button variant="subtle" onClick={() => onChange({ ...filters, q: '', tags: [], health: undefined, enabled: undefined })}>
          Clear filters
        </Button>
      ) : null}
      <SegmentedControl
        aria-label="View"
        value={view}
        onChange={(v) => onViewChange(v as ViewMode)}
        data={[
          { label: 'Cards', value: 'cards' },
          { label: 'Table', value: 'table' },
        ]}
      />
    </div>
  );
}
