import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError } from './api';
import type { AuditEntry } from './admin-api';
import { dateTime, useI18n } from './i18n';
import { errorText } from './shared';

export type LoadError = { text: string; status: number };

/** Loads once (and again on reload); keeps the last data when a reload fails. `load` must be memoised. */
export function useLoad<T>(load: () => Promise<T>): { data: T | null; error: LoadError | null; reload: () => void } {
  const i18n = useI18n();
  const [state, setState] = useState<{ data: T | null; error: LoadError | null }>({ data: null, error: null });
  const reload = useCallback(() => {
    load().then((data) => setState({ data, error: null }), (e: unknown) => setState((s) => ({
      data: s.data, error: { text: errorText(e, i18n), status: e instanceof ApiError ? e.status : 0 },
    })));
  }, [load, i18n]);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

export function ErrorLine({ error, testId }: { error: LoadError | string | null; testId: string }) {
  if (!error) return null;
  const e = typeof error === 'string' ? { text: error, status: 0 } : error;
  return <p className="error" role="alert" data-testid={testId} data-status={e.status}>{e.text}</p>;
}

/** Bookkeeping fields the audit rows carry that say nothing about the change itself. */
const NOISE = new Set(['id', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy', 'editedAt']);

/** A wide table scrolls inside its own box, so the page itself never scrolls sideways (tablets). */
export function TableBox({ children }: { children: ReactNode }) {
  return <div className="table-box">{children}</div>;
}

const show = (v: unknown): string => {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'object' && 'amount' in v && 'unit' in v) return `${String(v.amount)} ${String(v.unit)}`;
  return typeof v === 'string' ? v : JSON.stringify(v);
};

/** "field: old → new" for each field an audit entry changed (all fields for a creation or deletion). */
export function changes(before: unknown, after: unknown): string[] {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !NOISE.has(k));
  // A creation lists what was set, not the empty fields.
  const created = before === null || before === undefined;
  return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]) && !(created && a[k] === null)).map((k) => {
    if (created) return `${k}: ${show(a[k])}`;
    if (after === null || after === undefined) return `${k}: ${show(b[k])}`;
    return `${k}: ${show(b[k])} → ${show(a[k])}`;
  });
}

/** An audit trail: who changed which rule, policy, account, category, agency or channel, when, and how. */
export function AuditTable({ entries, subject, staffNames, testId, label }: {
  entries: (AuditEntry & { subjectId: number | string })[]; subject: string; staffNames: ReadonlyMap<number, string>; testId: string;
  /** How a subject is named (default: #id for numbers, the code itself otherwise). */
  label?: (subjectId: number | string) => string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  if (entries.length === 0) return <p className="hint" data-testid={`${testId}-empty`}>{t('adm.auditEmpty')}</p>;
  return (
    <div className="table-box"><table className="tickets admin-table" data-testid={testId}>
      <thead><tr><th>{t('adm.at')}</th><th>{subject}</th><th>{t('adm.action')}</th><th>{t('adm.by')}</th><th>{t('adm.changes')}</th></tr></thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id} data-testid={`${testId}-row`} data-subject={e.subjectId} data-action={e.action}>
            <td>{dateTime(e.at, i18n.lang)}</td>
            <td>{label ? label(e.subjectId) : typeof e.subjectId === 'number' ? `#${e.subjectId}` : e.subjectId}</td>
            <td>{t(e.action === 'created' ? 'adm.created' : e.action === 'updated' ? 'adm.updated' : 'adm.deleted')}</td>
            <td>{e.staffId === null ? '—' : staffNames.get(e.staffId) ?? `#${e.staffId}`}</td>
            <td className="audit-changes">{changes(e.before, e.after).map((c) => <div key={c}>{c}</div>)}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}
