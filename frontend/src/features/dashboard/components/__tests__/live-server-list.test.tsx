import { act, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { FakeEventSource } from '@/testing/event-source';

import { LiveServerList } from '../live-server-list';

const time = { id: '1', path: 'time', display_name: 'Time', enabled: true, status: 'unknown', tool_count: 0 };

describe('LiveServerList', () => {
  it('shows the snapshot, then each change in place, and says when it reconnects', () => {
    render(<LiveServerList />);
    const source = FakeEventSource.latest();
    expect(source.url).toBe('/api/health/events');
    expect(screen.getByRole('status')).toHaveTextContent('Connecting…');

    act(() => source.emit('snapshot', { servers: [time] }));
    expect(screen.getByRole('status')).toHaveTextContent('Live');
    const item = screen.getByText('Time').closest('li')!;
    expect(within(item).getByText('Not checked yet')).toBeInTheDocument();

    act(() =>
      source.emit('server', {
        id: 5,
        type: 'server',
        server: { ...time, status: 'healthy', tool_count: 3, last_checked_at: '2026-12-01T10:00:00Z' },
      }),
    );
    expect(within(screen.getByText('Time').closest('li')!).getByText('Healthy')).toBeInTheDocument();
    expect(screen.getByText(/3 tools/)).toBeInTheDocument();

    act(() => source.fail());
    expect(screen.getByRole('status')).toHaveTextContent('Reconnecting…');

    act(() => source.emit('removed', { id: 6, type: 'removed', server: time }));
    expect(screen.queryByText('Time')).not.toBeInTheDocument();
    expect(screen.getByText('No servers you may see yet')).toBeInTheDocument();
  });

  it('closes its stream when it goes away', () => {
    const { unmount } = render(<LiveServerList />);
    unmount();
    expect(FakeEventSource.latest().closed).toBe(true);
  });
});
