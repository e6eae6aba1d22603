/**
 * Where Ironpane may send a credential. An API token over plain `http://` travels in clear text, so
 * only loopback (a lab, a test server, an SSH tunnel's local end) may use it; anything else must be
 * `https://`. Used by the account form, the contract and the Metal client, so all three agree.
 */

/** WHATWG URL exists in every runtime we ship (Node, Chromium); shared/ has no DOM or Node types. */
interface ParsedUrl {
  protocol: string;
  hostname: string;
  username: string;
  password: string;
}
const WhatwgUrl = (globalThis as unknown as { URL: new (input: string) => ParsedUrl }).URL;

/** Loopback per RFC 6761 §6.3 (`localhost`) and RFC 1122 (127.0.0.0/8), plus IPv6 `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Why a base URL cannot carry a token, in words that say what to do; null when it can. */
export function baseUrlProblem(value: string, example = 'https://api.equinix.com/metal/v1'): string | null {
  let url: ParsedUrl;
  try {
    url = new WhatwgUrl(value);
  } catch {
    return `Enter the base URL, e.g. ${example}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The base URL must start with https:// (or http:// for a server on this machine).';
  if (url.username || url.password) return 'Leave the user name and password out of the base URL; the token is entered separately.';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return `Use https:// for ${url.hostname}: over http:// the API token would cross the network in clear text (plain http is allowed only for 127.0.0.1 and localhost).`;
  }
  return null;
}
