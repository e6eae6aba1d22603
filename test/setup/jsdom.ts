// jsdom lacks a few browser APIs the renderer touches.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());

if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener() {},
      removeEventListener() {},
      addListener() {},
      removeListener() {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}
if (!('ResizeObserver' in window)) {
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
Element.prototype.scrollTo ??= function scrollTo() {};

// jsdom does no layout, so every element measures 0×0 and a virtualised list would render no rows.
// Give elements a desktop-sized box; tests assert on content and behaviour, not on pixels.
for (const prop of ['offsetHeight', 'clientHeight']) Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => 720 });
for (const prop of ['offsetWidth', 'clientWidth']) Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => 1200 });
