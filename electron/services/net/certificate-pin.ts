/**
 * Trust on first use for a peer's TLS certificate, as for SSH host keys: the SHA-256 fingerprint the
 * user accepted when adding the connection is pinned; an unknown one is asked about, a different one
 * refused loudly. The check runs on the TLS socket before a byte of the request (and so before a
 * password or token) is written. BMC and bare-metal API certificates are usually self-signed, so the
 * CA chain cannot vouch for them; the pin replaces it.
 */
import { createHash } from 'node:crypto';
import type tls from 'node:tls';
import { AppError } from '../../../shared/errors';

export function fingerprintOf(socket: tls.TLSSocket): string | null {
  const cert = socket.getPeerCertificate();
  if (!cert?.raw) return null;
  return createHash('sha256')
    .update(cert.raw)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

/** The `verifyTls` check for PeerHttp: `who` names the peer ("the BMC", "the Ironic API"). */
export function pinnedCertificateCheck(who: string, host: string, pinned: string | null): (socket: tls.TLSSocket) => AppError | null {
  return (socket) => {
    const seen = fingerprintOf(socket);
    if (!pinned) {
      return new AppError(
        'host_key_unknown',
        `Ironpane has not seen the certificate of ${who} at ${host} before. Its SHA-256 fingerprint is ${seen}; compare it with the server's own before trusting it.`,
        { retryable: false, detail: seen ?? undefined },
      );
    }
    if (seen !== pinned) {
      return new AppError(
        'host_key_changed',
        `The certificate of ${who} at ${host} CHANGED: it was ${pinned} and is now ${seen}. Someone may be intercepting the connection; nothing was sent. If the certificate was replaced on purpose, remove the connection and add it again.`,
        { retryable: false, detail: seen ?? undefined },
      );
    }
    return null;
  };
}
