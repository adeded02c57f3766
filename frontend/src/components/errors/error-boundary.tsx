import { Component, type ErrorInfo, type ReactNode } from 'react';

import { Button } from '@/components/ui/button';

type Props = { children: ReactNode };
type State = { error: unknown };

/** Shows a way out instead of a blank page when rendering throws. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('Unhandled error while rendering', error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <main className="centered">
          <div className="panel" role="alert">
            <h1 className="panel__title">Something went wrong</h1>
            <p>The page could not be shown. Reloading usually helps.</p>
            <Button onClick={() => window.location.reload()}>Reload</Button>
          </div>
        </main>
      );
    }
    return this.props.children;
  }
}
