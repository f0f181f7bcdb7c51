import { useEffect, useImperativeHandle, useState, type FormEvent, type Ref } from 'react';
import { api, ApiError, ticketUrl, type Priority, type StaffUserInfo, type TicketDetail, type User } from './api';
import { useI18n, type MessageKey } from './i18n';
import { errorText, type Reference } from './shared';

export type TriageChoice = { category: string; priority: Priority };

type Field = 'category' | 'priority' | 'note' | 'agencyId' | 'assigneeId' | 'message' | 'resolution' | 'reason' | 'intoCode';

/** Each action's form, as src/http/schemas.ts actionSchemas requires (required fields first). */
const FORMS: Record<string, { fields: Field[]; required: Field[] }> = {
  triage: { fields: ['category', 'priority', 'note'], required: [] },
  assign: { fields: ['agencyId', 'note'], required: ['agencyId'] },
  accept: { fields: ['note'], required: [] },
  assign_staff: { fields: ['assigneeId'], required: [] },
  request_info: { fields: ['message'], required: ['message'] },
  resolve: { fields: ['resolution'], required: ['resolution'] },
  close: { fields: ['note'], required: [] },
  reopen: { fields: ['reason'], required: ['reason'] },
  transfer: { fields: ['agencyId', 'reason'], required: ['agencyId', 'reason'] },
  return: { fields: ['reason'], required: ['reason'] },
  reject: { fields: ['reason'], required: ['reason'] },
  merge: { fields: ['intoCode'], required: ['intoCode'] },
};

const LABEL: Record<Field, MessageKey> = {
  category: 'category', priority: 'priority', note: 'note', agencyId: 'agency', assigneeId: 'assignee',
  message: 'infoMessage', resolution: 'resolution', reason: 'reason', intoCode: 'intoCode',
};
const LONG: ReadonlySet<Field> = new Set(['message', 'resolution', 'reason', 'note']);

type Props = {
  ref?: Ref<{ confirmTriage: () => void } | null>;
  ticket: TicketDetail; user: User; refData: Reference;
  triage: TriageChoice; setTriage: (t: TriageChoice) => void;
  onDone: () => Promise<void>;
};

export function Actions({ ref, ticket, user, refData, triage, setTriage, onDone }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const actions = ticket.allowedActions.filter((a) => a in FORMS);
  const [selected, setSelected] = useState<string | null>(null);
  const [values, setValues] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [staff, setStaff] = useState<StaffUserInfo[] | null>(null);

  // Triage is what an operator does first: its form is open by default.
  const current = selected && actions.includes(selected) ? selected : actions.includes('triage') ? 'triage' : null;
  // A new form starts empty; a reload after a refused action keeps its error on screen.
  useEffect(() => { setValues({}); setError(null); }, [current]);

  useEffect(() => {
    if (current !== 'assign_staff' || staff) return;
    // Leads and the 1022 roles may list staff; agency staff only take a ticket themselves.
    api.get<{ users: StaffUserInfo[] }>('/api/v1/staff-users').then(
      (r) => setStaff(r.users.filter((u) => u.active && u.agencyId === ticket.agencyId)),
      () => setStaff([]));
  }, [current, staff, ticket.agencyId]);

  const run = async (action: string) => {
    const form = FORMS[action]!;
    const body: Record<string, unknown> = {};
    for (const f of form.fields) {
      const raw = f === 'category' ? triage.category : f === 'priority' ? triage.priority : (values[f] ?? '').trim();
      if (f === 'assigneeId') body.assigneeId = raw ? Number(raw) : null;
      else if (raw === '') continue;
      else body[f] = f === 'agencyId' ? Number(raw) : raw;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`${ticketUrl(ticket.code)}/actions/${action}`, body);
      setSelected(null);
      setValues({});
      await onDone();
    } catch (e) {
      setError(errorText(e, i18n));
      // The ticket moved under us (409): show its real state with the message.
      if (e instanceof ApiError && e.status === 409) await onDone();
    } finally {
      setBusy(false);
    }
  };

  useImperativeHandle(ref, () => ({
    confirmTriage: () => { if (!busy && actions.includes('triage')) void run('triage'); },
  }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (current) void run(current);
  };

  const set = (f: Field, v: string) => setValues((old) => ({ ...old, [f]: v }));
  const field = (f: Field) => {
    const required = FORMS[current!]!.required.includes(f);
    const common = { id: `f-${f}`, required, 'data-testid': `field-${f}` };
    if (f === 'category') {
      return (
        <select {...common} value={triage.category} onChange={(e) => setTriage({ ...triage, category: e.target.value })}>
          <option value="">{t('chooseCategory')}</option>
          {refData.categories.filter((c) => c.active || c.code === triage.category).map((c) => (
            <option key={c.code} value={c.code}>{i18n.pick(c.nameVi, c.nameEn)}</option>
          ))}
        </select>
      );
    }
    if (f === 'priority') {
      return (
        <select {...common} value={triage.priority} onChange={(e) => setTriage({ ...triage, priority: e.target.value as Priority })}>
          {refData.priorities.map((p) => <option key={p.code} value={p.code}>{i18n.pick(p.nameVi, p.nameEn)}</option>)}
        </select>
      );
    }
    if (f === 'agencyId') {
      return (
        <select {...common} value={values.agencyId ?? ''} onChange={(e) => set('agencyId', e.target.value)}>
          <option value="">{t('chooseAgency')}</option>
          {refData.agencies.filter((a) => a.active && (current !== 'transfer' || a.id !== ticket.agencyId)).map((a) => (
            <option key={a.id} value={a.id}>{i18n.pick(a.nameVi, a.nameEn)}</option>
          ))}
        </select>
      );
    }
    if (f === 'assigneeId') {
      const options = staff && staff.length > 0 ? staff : [{ id: user.id, displayName: `${t('myself')} (${user.displayName})` }];
      return (
        <select {...common} value={values.assigneeId ?? ''} onChange={(e) => set('assigneeId', e.target.value)}>
          <option value="">{t('nobody')}</option>
          {options.map((s) => <option key={s.id} value={s.id}>{s.displayName}</option>)}
        </select>
      );
    }
    if (LONG.has(f)) return <textarea {...common} rows={f === 'resolution' ? 5 : 3} value={values[f] ?? ''} onChange={(e) => set(f, e.target.value)} />;
    return <input {...common} value={values[f] ?? ''} onChange={(e) => set(f, e.target.value)} />;
  };

  return (
    <section className="card actions" data-testid="actions">
      <h3>{t('actions')}</h3>
      {actions.length === 0 ? <p className="hint" data-testid="no-actions">{t('noActions')}</p> : (
        <div className="action-buttons">
          {actions.map((a) => (
            <button key={a} type="button" className={a === current ? 'active' : ''} onClick={() => setSelected(a)} data-testid={`action-${a}`}>
              {i18n.code(`a.${a}`)}
            </button>
          ))}
        </div>
      )}
      {current && (
        <form onSubmit={submit} data-testid={`action-form-${current}`} className="action-form">
          {FORMS[current]!.fields.map((f) => (
            <label key={f} htmlFor={`f-${f}`}>{t(LABEL[f])}{field(f)}</label>
          ))}
          {current === 'triage' && <p className="hint">{t('enterHint')}</p>}
          {error && <p className="error" role="alert" data-testid="action-error">{error}</p>}
          <button type="submit" className="primary" disabled={busy} data-testid="action-submit">{i18n.code(`a.${current}`)}</button>
        </form>
      )}
    </section>
  );
}
