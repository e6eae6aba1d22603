/**
 * View state: which screen, theme, the fleet table's filters, sort, selection and open node. The
 * screen, theme, filters, sort and open node survive a reload (localStorage; nothing secret in it).
 */
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

import { APP_SCREENS } from '../../../shared/app-commands';

export const SCREENS = APP_SCREENS;
export type Screen = (typeof SCREENS)[number];

export const SORT_KEYS = ['hostname', 'state', 'config', 'location', 'plan', 'os', 'update', 'ip', 'tags'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface FleetFilters {
  text: string;
  state: string;
  metro: string;
  os: string;
  tag: string;
  /** An update alarm (shared/updates/alarms UPDATE_FILTERS), or '' for any. */
  update: string;
}

export const EMPTY_FILTERS: FleetFilters = { text: '', state: '', metro: '', os: '', tag: '', update: '' };

export interface UiState {
  screen: Screen;
  theme: 'light' | 'dark';
  filters: FleetFilters;
  sort: { key: SortKey; dir: 'asc' | 'desc' };
  selection: ReadonlySet<string>;
  openNodeId: string | null;
  /** Topology containers the user collapsed. */
  collapsed: ReadonlySet<string>;
  toggleCollapsed(id: string): void;
}

const prefersDark = typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;

const initialUi = (): UiState => ({
  screen: 'fleet',
  theme: prefersDark ? 'dark' : 'light',
  filters: EMPTY_FILTERS,
  sort: { key: 'hostname', dir: 'asc' },
  selection: new Set(),
  openNodeId: null,
  collapsed: new Set(),
  toggleCollapsed: (id) =>
    useUi.setState((s) => {
      const next = new Set(s.collapsed);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return { collapsed: next };
    }),
});

export const useUi = create<UiState>()(
  persist(initialUi, {
    name: 'ironpane.ui',
    version: 1,
    storage: createJSONStorage(() => localStorage),
    partialize: (s) => ({ screen: s.screen, theme: s.theme, filters: s.filters, sort: s.sort, openNodeId: s.openNodeId }),
    // What was stored may be from another version or hand-edited: keep only what still makes sense.
    merge: (stored, current): UiState => ({ ...current, ...sanitise(stored) }),
  }),
);

function sanitise(stored: unknown): Partial<UiState> {
  if (!stored || typeof stored !== 'object') return {};
  const s = stored as Record<string, unknown>;
  const out: Partial<UiState> = {};
  if (SCREENS.includes(s.screen as Screen)) out.screen = s.screen as Screen;
  if (s.theme === 'light' || s.theme === 'dark') out.theme = s.theme;
  if (typeof s.openNodeId === 'string') out.openNodeId = s.openNodeId;
  if (s.filters && typeof s.filters === 'object') {
    const f = s.filters as Record<string, unknown>;
    out.filters = Object.fromEntries(
      Object.keys(EMPTY_FILTERS).map((k) => [k, typeof f[k] === 'string' ? (f[k] as string).slice(0, 200) : '']),
    ) as unknown as FleetFilters;
  }
  const sort = s.sort as { key?: unknown; dir?: unknown } | undefined;
  if (sort && (SORT_KEYS as readonly string[]).includes(sort.key as string) && (sort.dir === 'asc' || sort.dir === 'desc')) {
    out.sort = { key: sort.key as SortKey, dir: sort.dir };
  }
  return out;
}

/** Switching screens closes the details panel, which would otherwise cover the next screen. */
export const showScreen = (screen: Screen) => useUi.setState((s) => (s.screen === screen ? {} : { screen, openNodeId: null }));
export const toggleTheme = () => useUi.setState((s) => ({ theme: s.theme === 'dark' ? 'light' : 'dark' }));
export const setFilter = (key: keyof FleetFilters, value: string) => useUi.setState((s) => ({ filters: { ...s.filters, [key]: value } }));
export const clearFilters = () => useUi.setState({ filters: EMPTY_FILTERS });
export const openNode = (openNodeId: string | null) => useUi.setState({ openNodeId });
export const sortBy = (key: SortKey) => useUi.setState((s) => ({ sort: { key, dir: s.sort.key === key && s.sort.dir === 'asc' ? 'desc' : 'asc' } }));
export const setSelection = (selection: ReadonlySet<string>) => useUi.setState({ selection });
export function toggleSelected(id: string): void {
  useUi.setState((s) => {
    const next = new Set(s.selection);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return { selection: next };
  });
}

/** The Rollouts screen's choice of group and chart window, kept across reloads. */
export interface RolloutsView {
  groupKey: string | null;
  duration: '1h' | '1d' | '7d' | '30d';
}
export const useRollouts = create<RolloutsView>()(
  persist((): RolloutsView => ({ groupKey: null, duration: '1d' }), {
    name: 'ironpane.rollouts',
    version: 1,
    storage: createJSONStorage(() => localStorage),
    merge: (stored, current): RolloutsView => {
      const s = (stored ?? {}) as Partial<RolloutsView>;
      return {
        ...current,
        groupKey: typeof s.groupKey === 'string' ? s.groupKey.slice(0, 300) : null,
        duration: s.duration && ['1h', '1d', '7d', '30d'].includes(s.duration) ? s.duration : current.duration,
      };
    },
  }),
);
