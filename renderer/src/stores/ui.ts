/** View state: which screen, theme, the fleet table's filters, sort, selection and open node. */
import { create } from 'zustand';

export const SCREENS = ['fleet', 'topology', 'config', 'consoles', 'activity', 'accounts'] as const;
export type Screen = (typeof SCREENS)[number];

export type SortKey = 'hostname' | 'state' | 'location' | 'plan' | 'os' | 'ip';
export interface FleetFilters {
  text: string;
  state: string;
  metro: string;
  os: string;
  tag: string;
}

export const EMPTY_FILTERS: FleetFilters = { text: '', state: '', metro: '', os: '', tag: '' };

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

export const useUi = create<UiState>(() => ({
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
}));

export const showScreen = (screen: Screen) => useUi.setState({ screen });
export const toggleTheme = () => useUi.setState((s) => ({ theme: s.theme === 'dark' ? 'light' : 'dark' }));
export const setFilter = (key: keyof FleetFilters, value: string) => useUi.setState((s) => ({ filters: { ...s.filters, [key]: value } }));
export const clearFilters = () => useUi.setState({ filters: EMPTY_FILTERS });
export const openNode = (openNodeId: string | null) => useUi.setState({ openNodeId });
export const sortBy = (key: SortKey) =>
  useUi.setState((s) => ({ sort: { key, dir: s.sort.key === key && s.sort.dir === 'asc' ? 'desc' : 'asc' } }));
export const setSelection = (selection: ReadonlySet<string>) => useUi.setState({ selection });
export function toggleSelected(id: string): void {
  useUi.setState((s) => {
    const next = new Set(s.selection);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return { selection: next };
  });
}
