// CodeMirror colours from the app's CSS variables, so the editor matches light and dark.
import { EditorView } from '@codemirror/view';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

export function editorTheme(dark: boolean) {
  const theme = EditorView.theme({
    '&': { backgroundColor: 'var(--panel)', color: 'var(--fg)' },
    '.cm-content': { caretColor: 'var(--fg)' },
    '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
    '.cm-activeLine': { backgroundColor: dark ? '#ffffff0a' : '#0000000a' },
    '.cm-activeLineGutter': { backgroundColor: dark ? '#ffffff0f' : '#0000000f' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: dark ? '#2f6feb55' : '#2f6feb33' },
    '.cm-tooltip': { backgroundColor: 'var(--panel-2)', color: 'var(--fg)', border: '1px solid var(--border)' },
    '.cm-diagnostic': { whiteSpace: 'pre-wrap' },
  }, { dark });
  const hl = HighlightStyle.define(dark ? [
    { tag: [t.propertyName, t.definition(t.propertyName)], color: '#79c0ff' },
    { tag: [t.string, t.special(t.string)], color: '#a5d6ff' },
    { tag: [t.number, t.bool, t.null, t.atom], color: '#ffa657' },
    { tag: t.comment, color: '#8b949e', fontStyle: 'italic' },
    { tag: [t.keyword, t.meta, t.typeName, t.labelName], color: '#ff7b72' },
    { tag: [t.punctuation, t.separator, t.brace, t.squareBracket], color: '#8b949e' },
  ] : [
    { tag: [t.propertyName, t.definition(t.propertyName)], color: '#0550ae' },
    { tag: [t.string, t.special(t.string)], color: '#0a3069' },
    { tag: [t.number, t.bool, t.null, t.atom], color: '#953800' },
    { tag: t.comment, color: '#6e7781', fontStyle: 'italic' },
    { tag: [t.keyword, t.meta, t.typeName, t.labelName], color: '#cf222e' },
    { tag: [t.punctuation, t.separator, t.brace, t.squareBracket], color: '#57606a' },
  ]);
  return [theme, syntaxHighlighting(hl)];
}
