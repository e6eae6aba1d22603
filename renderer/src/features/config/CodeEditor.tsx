/**
 * CodeMirror 6 mounted in a shadow root. There it styles itself with adopted stylesheets instead of
 * injecting <style> elements, so it needs no 'unsafe-inline' in the page's Content-Security-Policy.
 * YAML or JSON, lint from Ironpane's own checks (exact ranges), find/replace, undo, folding,
 * Tab to indent (Esc then Tab leaves the editor), Ctrl/Cmd+S to save.
 */
import { autocompletion, completionKeymap, type CompletionContext } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, foldGutter, foldKeymap, indentOnInput } from '@codemirror/language';
import { forceLinting, linter, lintGutter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers } from '@codemirror/view';
import { defaultHighlightStyle, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { ConfigDiagnostic } from '../../../../shared/config/diagnostics';

export interface CodeEditorHandle {
  focus(): void;
  setValue(text: string): void;
  value(): string;
  /** Checks the document again now (a schema source changed, so the last verdict is stale). */
  recheck(): void;
}

interface Props {
  value: string;
  language: 'yaml' | 'json' | 'text';
  readOnly?: boolean;
  dark: boolean;
  label: string;
  /** Returns the problems of a document; run after typing pauses. */
  check?: (text: string) => ConfigDiagnostic[] | Promise<ConfigDiagnostic[]>;
  onChange?: (text: string) => void;
  onSave?: () => void;
  /** Keys that fit at an offset (from the schema), for Ctrl+Space and as you type a key. */
  complete?: (text: string, offset: number) => Promise<{ label: string; detail: string; info: string }[]>;
  /** What the key at an offset means. */
  hover?: (text: string, offset: number) => Promise<{ from: number; to: number; text: string } | null>;
}

const languageOf = (language: Props['language']) => (language === 'yaml' ? yaml() : language === 'json' ? json() : []);

/**
 * Token colours for the dark theme, each at 4.5:1 or better on its background (#0b0e12): CodeMirror's
 * default style is made for light backgrounds (its YAML keys were dark blue on near-black). The light
 * theme keeps the default.
 */
const darkHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.operatorKeyword, tags.modifier], color: '#c4a7ff' },
  { tag: [tags.propertyName, tags.definition(tags.propertyName), tags.labelName], color: '#7cc4ff' },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], color: '#a5d6a7' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: '#f8c572' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: '#98a2b0', fontStyle: 'italic' },
  { tag: [tags.meta, tags.documentMeta, tags.typeName, tags.tagName], color: '#ffb38a' },
  { tag: [tags.punctuation, tags.separator, tags.bracket], color: '#c9d1db' },
  { tag: tags.invalid, color: '#ff8a8a' },
]);

const highlighting = (dark: boolean) => syntaxHighlighting(dark ? darkHighlight : defaultHighlightStyle, { fallback: true });

function theme(dark: boolean) {
  return EditorView.theme(
    {
      '&': { height: '100%', fontSize: '13px', backgroundColor: dark ? '#0b0e12' : '#fbfcfd', color: dark ? '#d7dde5' : '#1b1f24' },
      '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: '1.5' },
      // Line numbers at 4.5:1 or better on their gutter (they measured 2.7:1 and 3.5:1).
      '.cm-gutters': { backgroundColor: dark ? '#11151b' : '#f0f2f5', color: dark ? '#98a2b0' : '#59626e', border: 'none' },
      '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: dark ? '#161b22' : '#eef2f8' },
      '&.cm-focused': { outline: 'none' },
      '.cm-cursor': { borderLeftColor: dark ? '#5b8cff' : '#2f6fed' },
    },
    { dark },
  );
}

export const CodeEditor = forwardRef<CodeEditorHandle, Props>(function CodeEditor(props, ref) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const themeSlot = useRef(new Compartment());
  const highlightSlot = useRef(new Compartment());
  const languageSlot = useRef(new Compartment());
  const readOnlySlot = useRef(new Compartment());

  useEffect(() => {
    const host = hostRef.current!;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: propsRef.current.value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          search({ top: true }),
          highlightSlot.current.of(highlighting(propsRef.current.dark)),
          lintGutter(),
          linter(
            async (v) => {
              const check = propsRef.current.check;
              if (!check) return [];
              const length = v.state.doc.length;
              return (await check(v.state.doc.toString())).map((d): Diagnostic => ({
                from: Math.min(d.from, length),
                to: Math.min(Math.max(d.to, d.from), length),
                severity: d.severity,
                message: d.message,
              }));
            },
            { delay: 150 },
          ),
          autocompletion({
            override: [
              async (context: CompletionContext) => {
                const complete = propsRef.current.complete;
                if (!complete) return null;
                const word = context.matchBefore(/[A-Za-z0-9_-]*/);
                if (!word || (word.from === word.to && !context.explicit)) return null;
                // Keys only: after a colon on this line the value is being typed.
                if (/:\s/.test(context.state.doc.lineAt(context.pos).text.slice(0, context.pos - context.state.doc.lineAt(context.pos).from))) return null;
                const options = await complete(context.state.doc.toString(), context.pos);
                return {
                  from: word.from,
                  options: options.map((o) => ({ label: o.label, detail: o.detail, info: o.info || undefined, type: 'property', apply: `${o.label}: ` })),
                  validFor: /^[A-Za-z0-9_-]*$/,
                };
              },
            ],
          }),
          hoverTooltip(async (view, pos) => {
            const hover = propsRef.current.hover;
            if (!hover) return null;
            const hint = await hover(view.state.doc.toString(), pos);
            if (!hint) return null;
            return {
              pos: hint.from,
              end: hint.to,
              above: true,
              create: () => {
                const dom = document.createElement('div');
                dom.className = 'cm-schema-hover';
                dom.textContent = hint.text;
                return { dom };
              },
            };
          }),
          EditorView.baseTheme({ '.cm-schema-hover': { maxWidth: '480px', padding: '6px 8px', whiteSpace: 'pre-wrap', fontSize: '12px' } }),
          keymap.of([
            ...completionKeymap,
            { key: 'Mod-s', preventDefault: true, run: () => (propsRef.current.onSave?.(), true) },
            indentWithTab,
            ...defaultKeymap,
            ...historyKeymap,
            ...searchKeymap,
            ...foldKeymap,
            ...lintKeymap,
          ]),
          // An explicit tab stop: axe-core counts the scroller as keyboard-reachable only through it.
          EditorView.contentAttributes.of({ 'aria-label': propsRef.current.label, tabindex: '0' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) propsRef.current.onChange?.(update.state.doc.toString());
          }),
          themeSlot.current.of(theme(propsRef.current.dark)),
          languageSlot.current.of(languageOf(propsRef.current.language)),
          readOnlySlot.current.of(EditorState.readOnly.of(Boolean(propsRef.current.readOnly))),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: [themeSlot.current.reconfigure(theme(props.dark)), highlightSlot.current.reconfigure(highlighting(props.dark))] });
  }, [props.dark]);
  useEffect(() => {
    viewRef.current?.dispatch({ effects: languageSlot.current.reconfigure(languageOf(props.language)) });
  }, [props.language]);
  useEffect(() => {
    viewRef.current?.dispatch({ effects: readOnlySlot.current.reconfigure(EditorState.readOnly.of(Boolean(props.readOnly))) });
  }, [props.readOnly]);
  // A value from outside (another revision opened) replaces the document; typing does not loop back.
  useEffect(() => {
    const view = viewRef.current;
    if (view && view.state.doc.toString() !== props.value) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: props.value } });
  }, [props.value]);

  useImperativeHandle(ref, () => ({
    focus: () => viewRef.current?.focus(),
    setValue: (text) => viewRef.current?.dispatch({ changes: { from: 0, to: viewRef.current.state.doc.length, insert: text } }),
    value: () => viewRef.current?.state.doc.toString() ?? '',
    recheck: () => viewRef.current && forceLinting(viewRef.current),
  }));

  return <div ref={hostRef} className="code-editor" data-testid={`editor-${props.label}`} />;
});
