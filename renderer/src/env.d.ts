// Vite handles CSS imports; the renderer world has no `vite/client` types (they pull in Node's).
declare module '*.css';
