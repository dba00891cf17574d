import { Component, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';

/**
 * A React "island": OHIF renders the returned class component with ITS React; the component's DOM node becomes the
 * root of OUR bundled React 18 (`createRoot` in componentDidMount), so hooks in `render()`'s tree run on our React.
 * Works because both Reacts are 18.x: elements share `Symbol.for('react.element')` and a class component only needs
 * `prototype.isReactComponent`.
 */
export function createIsland(render: () => ReactElement, name = 'ChexgenIsland') {
  class Island extends Component {
    private root: Root | undefined;
    private element: HTMLDivElement | null = null;

    override componentDidMount(): void {
      if (this.element === null) return;
      this.root = createRoot(this.element);
      this.root.render(render());
    }

    override componentWillUnmount(): void {
      const root = this.root;
      this.root = undefined;
      // unmounting a root synchronously while the host React commits logs a warning; do it right after
      setTimeout(() => root?.unmount(), 0);
    }

    override render() {
      return (
        <div
          ref={(element) => {
            this.element = element;
          }}
          data-island={name}
          style={{ height: '100%', overflowY: 'auto' }}
        />
      );
    }
  }
  return Island;
}
