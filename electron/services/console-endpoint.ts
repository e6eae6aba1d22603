/**
 * Where a serial console is and how to log in, as providers describe it and console sessions use
 * it. It sits below both (providers must not import the console service above them).
 */

export interface SshHop {
  host: string;
  port: number;
  username: string;
  /** Seconds between keepalives; 0 turns them off. Per host: some BMCs never answer them. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Old BMCs (iLO, iDRAC) only offer SHA-1 kex, ssh-rsa and CBC ciphers (their SSH servers predate curve25519 and AES-GCM). */
  legacyAlgorithms?: boolean;
  /**
   * A host key fingerprint (`SHA256:…`) written down for this host, as an inventory file can: a
   * matching key is trusted without asking, any other is refused as changed.
   */
  pinnedFingerprint?: string;
}

export interface ConsoleTarget extends SshHop {
  /**
   * How the console is reached: SSH to a serial gateway (the default), or plain TCP to a serial
   * server's port (telnet spoken if the server does). TCP has no login and no encryption: for a
   * management network or loopback only. `username` and the SSH fields are unused over TCP.
   */
  transport?: 'ssh' | 'tcp' | 'ipmi-sol';
  /** Written before a TCP link is closed on purpose: an escape that ends the far side cleanly (`\r~.` for ipmitool behind socat). */
  leaveWith?: string;
  /** IPMI Serial over LAN: the cipher suite ipmitool uses (`username` and the password log in to the BMC). */
  ipmi?: { cipherSuite: number; ipmitool: string | null };
  /** Hops in order, the first reached directly; each next one through `forwardOut` of the last. */
  jump?: SshHop[];
}

export interface ConsoleCredentials {
  privateKeys: { label: string; key: string | Buffer; passphrase?: string }[];
  /** `SSH_AUTH_SOCK`, or the Windows OpenSSH agent pipe. */
  agent?: string;
  keyboardInteractive?: boolean;
  /** A password from the vault (a BMC's SSH console); never logged, never sent to the window. */
  password?: string;
}
