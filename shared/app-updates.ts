/** The desktop app's own updates (electron-updater), as the window sees them. Free of schema code. */
export const UPDATE_CHANNELS = ['stable', 'beta'] as const;
export type UpdateChannel = (typeof UPDATE_CHANNELS)[number];

export const UPDATE_STATUSES = ['unsupported', 'idle', 'checking', 'current', 'downloading', 'ready', 'error'] as const;

export interface UpdateState {
  /** `unsupported`: the web host, or a build that cannot update itself (a .deb from the system's packages). */
  status: (typeof UPDATE_STATUSES)[number];
  channel: UpdateChannel;
  currentVersion: string;
  /** The version found (downloading or ready). */
  version: string | null;
  /** 0–1 while downloading. */
  progress: number | null;
  error: string | null;
  /** When ready: why a restart must wait (an operation running, a console logging), or null. */
  restartBlockedReason: string | null;
  checkedAt: string | null;
}
