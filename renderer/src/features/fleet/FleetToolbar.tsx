import { useEffect, useRef } from 'react';
import { clearFilters, setFilter, useUi, type FleetFilters } from '../../stores/ui';
import { UPDATE_FILTERS, UPDATE_FILTER_LABELS } from '../../../../shared/updates/alarms';
import type { Facets } from './fleet-view';

interface Props {
  facets: Facets;
  shown: number;
  total: number;
  /** Enter in the search field (the topology zooms to the first match). */
  onSubmitSearch?(text: string): void;
}

export function FleetToolbar({ facets, shown, total, onSubmitSearch }: Props) {
  const filters = useUi((s) => s.filters);
  const searchRef = useRef<HTMLInputElement>(null);

  // "/" jumps to search from anywhere, as in GitHub and Oxide's console.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key === '/' && !['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const select = (key: keyof FleetFilters, label: string, all: string, options: { value: string; label: string }[]) => (
    <label className="filter">
      <span>{label}</span>
      <select aria-label={`Filter by ${label.toLowerCase()}`} value={filters[key]} onChange={(e) => setFilter(key, e.target.value)}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  const active = Object.values(filters).some(Boolean);
  return (
    <div className="toolbar" role="search">
      <input
        ref={searchRef}
        type="search"
        className="search"
        placeholder="Search hostname, id, IP, OS…  ( / )"
        aria-label="Search nodes"
        value={filters.text}
        onChange={(e) => setFilter('text', e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setFilter('text', '');
          if (e.key === 'Enter') onSubmitSearch?.(filters.text);
          if (e.key === 'ArrowDown') (document.querySelector('[data-fleet-grid]') as HTMLElement | null)?.focus();
        }}
      />
      {select(
        'state',
        'State',
        'All states',
        facets.states.map((s) => ({ value: s, label: s.replace('_', ' ') })),
      )}
      {select(
        'metro',
        'Metro',
        'All metros',
        facets.metros.map((m) => ({ value: m.code, label: `${m.name} (${m.code})` })),
      )}
      {select(
        'os',
        'OS',
        'Any OS',
        facets.os.map((o) => ({ value: o, label: o })),
      )}
      {select(
        'tag',
        'Tag',
        'Any tag',
        facets.tags.map((t) => ({ value: t, label: t })),
      )}
      {select(
        'update',
        'Update',
        'Any update state',
        UPDATE_FILTERS.map((u) => ({ value: u, label: UPDATE_FILTER_LABELS[u] })),
      )}
      {active && (
        <button type="button" className="link" onClick={clearFilters}>
          Clear filters
        </button>
      )}
      <span className="count" aria-live="polite">
        {shown === total ? `${total} nodes` : `${shown} of ${total} nodes`}
      </span>
    </div>
  );
}
