/**
 * Two revisions compared with @codemirror/merge, side by side or unified, read-only, unchanged runs
 * folded away. Mounted in a shadow root like the editor, for the same CSP reason.
 */
import { yaml } from '@codemirror/lang-yaml';
import { json } from '@codemirror/lang-json';
import { MergeView, unifiedMergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';

interface Props {
  left: string;
  right: string;
  language: 'yaml' | 'json' | 'text';
  mode: 'split' | 'unified';
  dark: boolean;
}

export function DiffView({ left, right, language, mode, dark }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = hostRef.current!;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    root.replaceChildren();
    const extensions = [
      lineNumbers(),
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      language === 'yaml' ? yaml() : language === 'json' ? json() : [],
      EditorView.theme(
        {
          '&': { fontSize: '13px', backgroundColor: dark ? '#0b0e12' : '#fbfcfd', color: dark ? '#d7dde5' : '#1b1f24' },
          '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
          '.cm-gutters': { backgroundColor: dark ? '#11151b' : '#f0f2f5', border: 'none' },
          // @codemirror/merge marks a folded run with "⦚" (U+299A), which common system fonts lack:
          // it drew as a tofu box. A plain ellipsis is in every font.
          '.cm-collapsedLines:before': { content: '"…"' },
          '.cm-collapsedLines:after': { content: '"…"' },
        },
        { dark },
      ),
    ];
    const collapseUnchanged = { margin: 3, minSize: 6 };
    if (mode === 'split') {
      const view = new MergeView({ a: { doc: left, extensions }, b: { doc: right, extensions }, parent: root, root, collapseUnchanged, gutter: true });
      return () => view.destroy();
    }
    const view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({ doc: right, extensions: [...extensions, unifiedMergeView({ original: left, mergeControls: false, collapseUnchanged })] }),
    });
    return () => view.destroy();
  }, [left, right, language, mode, dark]);
  return <div ref={hostRef} className="diff-view" data-testid="diff-view" />;
}
