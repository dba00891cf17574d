import { Component, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';

/**
 * A React "island": OHIF renders the returned class component with ITS React; the component's DOM node hosts a root
 * of OUR bundled React 18 (`createRoot`), so hooks in `render()`'s tree run on our React. Works because both Reacts
 * are 18.x: elements share `Symbol.for('react.element')` and a class component only needs
 * `prototype.isReactComponent`.
 *
 * The root is created once and kept: when OHIF unmounts the panel (switching side-panel tabs), its container is
 * only detached and re-attached on the next mount, so the form, a running job and its event stream survive.
 */
export function createIsland(render: () => ReactElement, name = 'ChexgenIsland') {
  let container: HTMLDivElement | undefined;
  let root: Root | undefined;

  class Island extends Component {
    private element: HTMLDivElement | null = null;

    override componentDidMount(): void {
      if (this.element === null) return;
      if (container === undefined) {
        container = document.createElement('div');
        container.style.height = '100%';
        root = createRoot(container);
        root.render(render());
      }
      this.element.appendChild(container);
    }

    override componentWillUnmount(): void {
      container?.remove();
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
  return { Island, unmount: () => root?.unmount() };
}
