/**
 * Config profiles as main reports them, and the unsaved draft of each profile edited in this window.
 * Drafts are kept per profile, so selecting another config discards nothing, and in sessionStorage, so
 * a reload keeps them; they go when the window closes (a draft is never written anywhere durable: it
 * may hold what its author has not decided to keep).
 */
import { create } from 'zustand';
import type { ConfigProfile } from '../../../shared/model';
import type { RpcClient } from '../bridge/client';

export const useConfigProfiles = create<{ profiles: ConfigProfile[]; loaded: boolean; selectedId: string | null }>(() => ({
  profiles: [],
  loaded: false,
  selectedId: null,
}));

export const selectProfile = (selectedId: string | null) => useConfigProfiles.setState({ selectedId });

export async function loadProfiles(client: RpcClient): Promise<void> {
  const profiles = await client.call('config.profiles', {});
  useConfigProfiles.setState((s) => ({ profiles, loaded: true, selectedId: s.selectedId ?? profiles[0]?.id ?? null }));
}

export function startConfigSync(client: RpcClient): () => void {
  const reload = () => void loadProfiles(client).catch(() => undefined);
  const offChanged = client.on('config.changed', reload);
  const offLink = client.onLinkState((state) => state === 'open' && reload());
  return () => {
    offChanged();
    offLink();
  };
}

export interface ConfigDraft {
  /** The revision the draft was edited from. */
  revisionId: string;
  content: string;
}

const DRAFTS_KEY = 'ironpane.configDrafts';

function readDrafts(): Record<string, ConfigDraft> {
  try {
    const raw = globalThis.sessionStorage?.getItem(DRAFTS_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, ConfigDraft>) : {};
  } catch {
    return {};
  }
}

export const useConfigDrafts = create<{ drafts: Record<string, ConfigDraft> }>(() => ({ drafts: readDrafts() }));

function persistDrafts(drafts: Record<string, ConfigDraft>): void {
  try {
    globalThis.sessionStorage?.setItem(DRAFTS_KEY, JSON.stringify(drafts));
  } catch {
    // Storage full or unavailable: the draft still lives in memory until the window closes.
  }
}

/** Remembers (or, when it equals what it was edited from, forgets) a profile's unsaved draft. */
export function rememberDraft(profileId: string, revisionId: string, content: string, saved: string): void {
  const drafts = { ...useConfigDrafts.getState().drafts };
  if (content === saved) delete drafts[profileId];
  else drafts[profileId] = { revisionId, content };
  useConfigDrafts.setState({ drafts });
  persistDrafts(drafts);
}

export function forgetDraft(profileId: string): void {
  const drafts = { ...useConfigDrafts.getState().drafts };
  if (!(profileId in drafts)) return;
  delete drafts[profileId];
  useConfigDrafts.setState({ drafts });
  persistDrafts(drafts);
}
