/**
 * One screen's render error stays in that screen: it says what failed and offers to try again,
 * while navigation, the status bar, toasts and the other screens keep working. (A Config screen
 * error used to blank the whole window until a reload.)
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** The screen's name as the navigation shows it. */
  name: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class ScreenBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // The detail for whoever reads the console; the screen shows a sentence, not a stack.
    console.error(`The ${this.props.name} screen failed to render`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="empty screen-error" role="alert">
        <h1>{this.props.name}</h1>
        <p>
          The {this.props.name} screen stopped because of an error: <span className="mono">{error.message.slice(0, 300)}</span>
        </p>
        <p className="muted">The rest of Ironpane keeps working; nothing was sent to any machine because of this.</p>
        <button type="button" className="primary" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
