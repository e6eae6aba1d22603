/**
 * An open console link, whatever carries it: an SSH channel to a serial gateway, or a TCP
 * connection to a serial server. The session reads its data through the callbacks it gave the
 * transport; this is what it does with the link.
 */
export interface ConsoleLink {
  write(data: string | Buffer): void;
  /** Flow control: stop reading from the peer while the window is behind, then go on. */
  pause(): void;
  resume(): void;
  /**
   * BREAK as the link itself sends it (an SSH break request, telnet's BRK or RFC 2217), with what was
   * sent; null when the link has none (raw TCP).
   */
  sendBreak(ms: number): Promise<{ reply: 'accepted' | 'refused' | 'no-answer'; label: string } | null>;
  destroy(): void;
}
