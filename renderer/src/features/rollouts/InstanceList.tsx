/**
 * A group's instances as Nebraska knows them: virtualised, fetched a page at a time, searchable
 * and filtered by status; a matched instance opens its fleet node.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppErrorData } from '../../../../shared/errors';
import type { UpdateGroup, UpdateInstanceRow } from '../../../../shared/model';
import { INSTANCE_STATUS_LABELS, INSTANCE_STATUS_NAMES, type InstanceStatusName } from '../../../../shared/updates/nebraska-rules';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { openNode, showScreen } from '../../stores/ui';
import { relativeTime } from '../../util/format';
import { STATUS_COLORS } from './rollout-colors';

const PAGE = 200;
const ROW_HEIGHT = 34;

export function InstanceList({ group }: { group: UpdateGroup }) {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<InstanceStatusName | ''>('');
  const [total, setTotal] = useState(0);
  const [rows, setRows] = useState<Map<number, UpdateInstanceRow>>(new Map());
  const [error, setError] = useState<AppErrorData | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const requested = useRef(new Set<number>());
  const generation = useRef(0);
  const summary = JSON.stringify(group.counts);

  const fetchPage = useCallback(
    (page: number, gen: number) => {
      requested.current.add(page);
      client.call('updates.instances', { serverId: group.serverId, groupId: group.id, search, status: status || null, offset: page * PAGE, limit: PAGE }).then(
        (result) => {
          if (gen !== generation.current) return;
          setTotal(result.total);
          setRows((prev) => {
            const next = new Map(prev);
            result.rows.forEach((row, i) => next.set(page * PAGE + i, row));
            return next;
          });
          setError(null);
        },
        (e: unknown) => gen === generation.current && setError(errorData(e)),
      );
    },
    [client, group.serverId, group.id, search, status],
  );

  // A new query (or the group moving) starts over from the first page.
  useEffect(() => {
    const gen = ++generation.current;
    requested.current = new Set();
    const timer = setTimeout(() => {
      setRows(new Map());
      fetchPage(0, gen);
    }, 150);
    return () => clearTimeout(timer);
  }, [fetchPage, summary]);

  // The React Compiler cannot memoise around useVirtualizer; this component is memo-free by design.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  const items = virtual.getVirtualItems();
  useEffect(() => {
    for (const item of items) {
      const page = Math.floor(item.index / PAGE);
      if (!requested.current.has(page)) fetchPage(page, generation.current);
    }
  }, [items, fetchPage]);

  return (
    <section className="instances" aria-label="Instances">
      <div className="instances-head">
        <h3>
          Instances <span className="muted">{total}</span>
        </h3>
        <input
          type="search"
          placeholder="Search hostname, alias, IP, id, version"
          aria-label="Search instances"
          value={search}
          maxLength={200}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && setSearch('')}
        />
        <select aria-label="Filter instances by status" value={status} onChange={(e) => setStatus(e.target.value as InstanceStatusName | '')}>
          <option value="">Any status</option>
          {INSTANCE_STATUS_NAMES.map((s) => (
            <option key={s} value={s}>
              {INSTANCE_STATUS_LABELS[s]} ({group.counts[s]})
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="instance-scroll" ref={scrollRef} role="grid" aria-rowcount={total} aria-label="Instances of the group">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows.get(item.index);
            return (
              <div
                key={item.key}
                role="row"
                className="instance-row"
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                data-hostname={row?.hostname ?? undefined}
                onDoubleClick={() => row?.nodeId && (showScreen('fleet'), openNode(row.nodeId))}
              >
                {row ? (
                  <>
                    <span role="gridcell" className="i-host">
                      {row.nodeId ? (
                        <button type="button" className="link" onClick={() => (showScreen('fleet'), openNode(row.nodeId))}>
                          {row.hostname}
                        </button>
                      ) : (
                        <span title="No fleet node matches this instance">{row.alias || row.instanceId.slice(0, 12)}</span>
                      )}
                    </span>
                    <span role="gridcell">
                      {/* The colour marks the dot and border only: as text colour the grey and amber failed contrast. */}
                      <span className="badge status-dot" style={{ borderColor: STATUS_COLORS[row.status] }}>
                        <span className="dot" aria-hidden="true" style={{ background: STATUS_COLORS[row.status] }} />
                        {INSTANCE_STATUS_LABELS[row.status]}
                      </span>
                    </span>
                    <span role="gridcell" className="mono">
                      {row.version}
                    </span>
                    <span role="gridcell" className="mono muted">
                      {row.ip}
                    </span>
                    <span role="gridcell" className="muted">
                      {relativeTime(row.lastCheckIn)}
                    </span>
                  </>
                ) : (
                  <span className="muted">Loading…</span>
                )}
              </div>
            );
          })}
        </div>
        {total === 0 && !error && (
          <p className="muted empty-inline">{search || status ? 'No instance matches.' : 'No instance has checked in within 30 days.'}</p>
        )}
      </div>
    </section>
  );
}
