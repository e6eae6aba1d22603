/**
 * What a node's user data would go from and to, unified: the diff editor is loaded only when one is
 * shown (it is most of the config screen's bundle), in the window's theme.
 */
import { lazy, Suspense } from 'react';
import { useUi } from '../../stores/ui';

const LazyDiffView = lazy(() => import('./DiffView').then((m) => ({ default: m.DiffView })));

export function UserDataDiff({ from, to }: { from: string; to: string }) {
  const dark = useUi((s) => s.theme) === 'dark';
  return (
    <Suspense fallback={<p className="muted">Loading the diff…</p>}>
      <LazyDiffView left={from} right={to} language="json" mode="unified" dark={dark} />
    </Suspense>
  );
}
