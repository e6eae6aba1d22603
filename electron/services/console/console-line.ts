/**
 * A serial console as something that types and reads: what a runbook drives. The console service
 * provides it; runbooks use it (runbooks sit above the console, never the other way).
 */

/** The console as a runbook sees it: bytes out, bytes in. */
export interface ConsoleLine {
  write(text: string): void;
  /** Masks these secrets in everything the console sends out of main until the returned call. */
  maskSecrets?(secrets: readonly string[]): () => void;
  /** Returns the unsubscribe. */
  onData(listener: (chunk: Buffer) => void): () => void;
}
