import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

import { setCsrfToken } from '@/lib/api/csrf';

import { FakeEventSource } from './event-source';

globalThis.EventSource = FakeEventSource as unknown as typeof EventSource;

afterEach(() => {
  cleanup();
  setCsrfToken(undefined);
  FakeEventSource.instances = [];
});
