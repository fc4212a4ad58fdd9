import { useEffect, useRef, useState } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { api } from '../../api/client.js';
import { isDark } from '../../lib/theme.js';
import type { ApiConfigIssue, BerthErrorShape, DeploymentDetail, DeploymentSummary } from '../../api/contract.js';
import { issuesToDiagnostics } from '../../lib/diagnostics.js';
import { editorTheme } from './editorTheme.js';
import { asErrorShape } from '../../api/errors.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { upsertSummary } from '../../state/deployments.js';


/** A deployment's configPath may name the truss directory; saving needs the file itself. */
export function configFilePath(p: string): string {
  if (/\.ya?ml$/i.test(p)) return p;
  const sep = p.includes('\\') && !p.includes('/') ? '\\' : '/';
  return p.replace(/[\\/]+$/, '') + sep + 'config.yaml';
}

export function ConfigEditor({ summary, detail, onSaved }: { summary: DeploymentSummary; detail: DeploymentDetail | null; onSaved: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [issues, setIssues] = useState<ApiConfigIssue[]>(detail?.issues ?? summary.errors.map((e) => ({ ...e, path: '' })));
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BerthErrorShape | null>(null);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const validateTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const saveRef = useRef<() => void>(() => {});

  const apply = (text: string, list: ApiConfigIssue[]) => {
    setIssues(list);
    view.current?.dispatch(setDiagnostics(view.current.state, issuesToDiagnostics(text, list)));
  };

  useEffect(() => {
    if (!detail || !host.current) return;
    const dark = isDark();
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: detail.configText,
        extensions: [
          basicSetup, yaml(), lintGutter(), editorTheme(dark),
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => { saveRef.current(); return true; } }]),
          EditorView.contentAttributes.of({ 'aria-label': 'config.yaml editor' }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            setDirty(true);
            if (validateTimer.current) clearTimeout(validateTimer.current);
            validateTimer.current = setTimeout(async () => {
              const text = u.state.doc.toString();
              try {
                const r = await api.deployments.validateText({ text, path: configFilePath(summary.configPath) });
                if (view.current?.state.doc.toString() === text) apply(text, r.issues);
              } catch { /* keep the last diagnostics; save reports errors */ }
            }, 300);
          }),
        ],
      }),
    });
    view.current = v;
    apply(detail.configText, detail.issues);
    return () => { v.destroy(); view.current = null; if (validateTimer.current) clearTimeout(validateTimer.current); };
    // Re-create only when another file's text arrives, not on every summary update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [detail?.configText, summary.id]);

  const save = async () => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    setSaving(true); setError(null);
    try {
      // The service identifies the open config by its configPath (a file or a truss dir).
      const r = await api.deployments.saveConfig({ path: summary.configPath, text });
      upsertSummary(r.summary);
      apply(text, r.issues);
      setDirty(false);
      setSavedAt(Date.now());
      onSaved();
    } catch (err) {
      setError(asErrorShape(err));
    } finally {
      setSaving(false);
    }
  };
  saveRef.current = () => void save();

  const jump = (is: ApiConfigIssue) => {
    const v = view.current;
    if (!v) return;
    const d = issuesToDiagnostics(v.state.doc.toString(), [is])[0];
    v.dispatch({ selection: { anchor: d.from, head: d.to }, scrollIntoView: true });
    v.focus();
  };

  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  return (
    <div className="config-editor stack">
      <div className="toolbar">
        <span className="mono sub ellipsis grow" title={summary.configPath}>{summary.configPath}</span>
        <span className={errors ? 'bad-text' : 'ok-text'} data-testid="issue-count">{errors ? `${errors} error${errors > 1 ? 's' : ''}` : 'Valid'}{warnings ? ` · ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}</span>
        {savedAt && !dirty && <span className="muted">Saved</span>}
        <button type="button" className="btn primary sm" disabled={!dirty || saving} onClick={save}>{saving ? 'Saving…' : 'Save'}</button>
      </div>
      <ErrorNote error={error} onDismiss={() => setError(null)} />
      {issues.length > 0 && (
        <ul className="issues" aria-label="Config problems">
          {issues.map((is, i) => (
            <li key={i} className={is.severity}>
              <button type="button" className="linkish" onClick={() => jump(is)} data-testid="config-issue">
                <span className="mono pos">{is.line}:{is.col}</span>
                <span className={`sev ${is.severity === 'error' ? 'bad-text' : 'warn-text'}`}>{is.severity}</span>
                <span>{is.message}</span>
                {is.hint && <span className="muted"> — {is.hint}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      {!detail ? <p className="muted">Loading…</p> : <div className="editor" ref={host} data-testid="config-editor" />}
    </div>
  );
}
