/**
 * The Content-Security-Policy both hosts send with the renderer. `style-src 'unsafe-inline'` is the
 * known compromise for xterm.js and React Flow, which set inline styles (both write style attributes at run time);
 * scripts stay `'self'` only.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${connectSources.map((s) => ` ${s}`).join('')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The WebSocket subprotocols the web host speaks: the plain name, and the token carrier. */
export const WS_PROTOCOL = 'ironpane.v1';
export const WS_TOKEN_PREFIX = 'ironpane.token.';
