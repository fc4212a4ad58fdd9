import { Component, type ReactNode } from 'react';

/** A rendering bug shows an actionable panel instead of a blank window or a stack trace. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { message: string | null }> {
  override state = { message: null as string | null };
  static getDerivedStateFromError(err: unknown) {
    return { message: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
  override componentDidCatch(err: unknown) { console.error(err); }
  override render() {
    if (this.state.message === null) return this.props.children;
    return (
      <div className="screen">
        <div className="note bad" role="alert">
          <div className="note-body">
            <strong>This view failed to display: {this.state.message}</strong>
            <div className="hint">Switch to another screen and back, or reload the window (Ctrl+R). Your models keep running.</div>
          </div>
          <button type="button" className="btn sm" onClick={() => this.setState({ message: null })}>Retry</button>
        </div>
      </div>
    );
  }
}
