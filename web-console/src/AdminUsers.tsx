import { Fragment, useCallback, useState, type FormEvent } from 'react';
import { api, type Role, type User } from './api';
import { adminApi, type AdminAuditEntry, type StaffAccount, type StaffPatch } from './admin-api';
import { AuditTable, ErrorLine, TableBox, useLoad } from './admin-ui';
import { useI18n } from './i18n';
import { errorText, type Reference } from './shared';

export const ROLES: readonly Role[] = ['operator', 'agency_staff', 'agency_lead', 'supervisor', 'admin'];
/** Roles that belong to an agency (the API requires an agencyId for them and refuses one for the others). */
export const AGENCY_ROLES: ReadonlySet<Role> = new Set(['agency_staff', 'agency_lead']);

/** Tài khoản cán bộ: the accounts (admins create them and edit them in place) and who changed what. */
export function AdminUsers({ user, canEdit, refData }: { user: User; canEdit: boolean; refData: Reference }) {
  const i18n = useI18n();
  const { t } = i18n;
  const load = useCallback(() => api.get<{ users: StaffAccount[] }>('/api/v1/staff-users').then((r) => r.users), []);
  const { data, error, reload } = useLoad(load);
  const loadAudit = useCallback(() => api.get<{ entries: AdminAuditEntry[] }>('/api/v1/admin/audit?entity=staff_user').then((r) => r.entries), []);
  const audit = useLoad(loadAudit);
  const [editing, setEditing] = useState<number | null>(null);
  const agencyName = (id: number | null) => {
    const a = refData.agencies.find((x) => x.id === id);
    return a ? i18n.pick(a.nameVi, a.nameEn) : '—';
  };
  const names = new Map([...refData.staffNames, ...(data ?? []).map((u): [number, string] => [u.id, u.displayName])]);
  const changed = () => { setEditing(null); reload(); audit.reload(); };
  const columns = canEdit ? 6 : 5;
  return (
    <div data-testid="admin-users">
      <ErrorLine error={error} testId="admin-error" />
      {canEdit && <CreateUser refData={refData} onCreated={changed} />}
      {data && (
        <TableBox>
          <table className="tickets admin-table" data-testid="user-list">
            <thead><tr><th>{t('adm.u.name')}</th><th>{t('email')}</th><th>{t('adm.u.role')}</th><th>{t('col.agency')}</th><th>{t('adm.active')}</th>{canEdit && <th />}</tr></thead>
            <tbody>
              {data.map((u) => (
                <Fragment key={u.id}>
                  <tr data-testid="user-row" data-email={u.email} data-user-id={u.id} data-role={u.role} data-agency-id={u.agencyId ?? ''} data-active={u.active ? 'yes' : 'no'}
                    className={u.active ? undefined : 'row-inactive'}>
                    <td>{u.displayName}</td><td>{u.email}</td><td>{i18n.code(u.role)}</td><td>{agencyName(u.agencyId)}</td>
                    <td>{u.active ? t('adm.yes') : t('adm.no')}</td>
                    {canEdit && (
                      <td className="row-actions">
                        <button type="button" onClick={() => setEditing(editing === u.id ? null : u.id)} data-testid="user-edit" aria-expanded={editing === u.id}>{t('adm.edit')}</button>
                      </td>
                    )}
                  </tr>
                  {canEdit && editing === u.id && (
                    <tr className="edit-row" data-testid="user-edit-row" data-user-id={u.id}>
                      <td colSpan={columns}><EditUser account={u} self={u.id === user.id} refData={refData} onDone={changed} onCancel={() => setEditing(null)} /></td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      <div className="card">
        <h3>{t('adm.auditTitle')}</h3>
        <ErrorLine error={audit.error} testId="audit-error" />
        {audit.data && <AuditTable entries={audit.data.map((e) => ({ ...e, subjectId: Number(e.key) }))} subject={t('adm.u.account')}
          staffNames={names} testId="user-audit" label={(id) => names.get(Number(id)) ?? `#${id}`} />}
      </div>
    </div>
  );
}

function CreateUser({ refData, onCreated }: { refData: Reference; onCreated: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [form, setForm] = useState({ email: '', displayName: '', role: 'agency_staff' as Role, agencyId: '', password: '' });
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFormError(null);
    setCreated(null);
    try {
      const u = await adminApi.post<StaffAccount>('/api/v1/staff-users', {
        email: form.email, displayName: form.displayName, role: form.role, password: form.password,
        // Sent for agency roles even when empty, so the API's own message explains what is missing.
        ...(AGENCY_ROLES.has(form.role) ? { agencyId: form.agencyId ? Number(form.agencyId) : null } : {}),
      });
      setCreated(u.email);
      setForm({ email: '', displayName: '', role: form.role, agencyId: form.agencyId, password: '' });
      onCreated();
    } catch (err) {
      setFormError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return (
    <form className="card admin-form" onSubmit={submit} data-testid="user-form">
      <h3>{t('adm.u.create')}</h3>
      <div className="form-row">
        <label>{t('email')}<input type="email" required value={form.email} onChange={set('email')} data-testid="user-email" /></label>
        <label>{t('adm.u.name')}<input required value={form.displayName} onChange={set('displayName')} data-testid="user-name" /></label>
        <label>{t('adm.u.role')}
          <select value={form.role} onChange={set('role')} data-testid="user-role">
            {ROLES.map((r) => <option key={r} value={r}>{i18n.code(r)}</option>)}
          </select>
        </label>
        {AGENCY_ROLES.has(form.role) && (
          <label>{t('col.agency')}
            <select value={form.agencyId} onChange={set('agencyId')} data-testid="user-agency">
              <option value="">—</option>
              {refData.agencies.filter((a) => a.active).map((a) => <option key={a.id} value={a.id}>{i18n.pick(a.nameVi, a.nameEn)}</option>)}
            </select>
          </label>
        )}
        <label>{t('password')} <small>({t('adm.u.passwordHint')})</small>
          <input type="password" autoComplete="new-password" required value={form.password} onChange={set('password')} data-testid="user-password" />
        </label>
      </div>
      <ErrorLine error={formError} testId="user-form-error" />
      {created && <p className="ok-line" data-testid="user-created">{t('adm.u.created')} {created}</p>}
      <button type="submit" className="primary" disabled={busy} data-testid="user-submit">{t('adm.u.create')}</button>
    </form>
  );
}

/** In-place edit of one account: only what changed is sent; the API's message is shown as it is. */
function EditUser({ account, self, refData, onDone, onCancel }: {
  account: StaffAccount; self: boolean; refData: Reference; onDone: () => void; onCancel: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [d, setD] = useState({
    displayName: account.displayName, role: account.role, agencyId: account.agencyId === null ? '' : String(account.agencyId),
    active: account.active, password: '',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const agencyRole = AGENCY_ROLES.has(d.role);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const patch: StaffPatch = {};
    if (d.displayName.trim() !== account.displayName) patch.displayName = d.displayName.trim();
    if (d.role !== account.role) patch.role = d.role;
    const agencyId = agencyRole ? (d.agencyId ? Number(d.agencyId) : null) : null;
    if (agencyId !== account.agencyId) patch.agencyId = agencyId;
    if (d.active !== account.active) patch.active = d.active;
    if (d.password) patch.password = d.password;
    if (Object.keys(patch).length === 0) { onCancel(); return; }
    // Deactivating ends the person's sessions at once: asked first, like every destructive action here.
    if (patch.active === false && !confirm(`${t('adm.u.deactivateConfirm')} ${account.email}?`)) return;
    setBusy(true);
    setError(null);
    try {
      await adminApi.patch(`/api/v1/staff-users/${account.id}`, patch);
      onDone();
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="admin-form inline-form" onSubmit={submit} data-testid="user-edit-form">
      <div className="form-row">
        <label>{t('adm.u.name')}<input required value={d.displayName} onChange={(e) => setD((x) => ({ ...x, displayName: e.target.value }))} data-testid="user-edit-name" /></label>
        <label>{t('adm.u.role')}
          <select value={d.role} onChange={(e) => setD((x) => ({ ...x, role: e.target.value as Role }))} data-testid="user-edit-role">
            {ROLES.map((r) => <option key={r} value={r}>{i18n.code(r)}</option>)}
          </select>
        </label>
        {agencyRole && (
          <label>{t('col.agency')}
            <select value={d.agencyId} onChange={(e) => setD((x) => ({ ...x, agencyId: e.target.value }))} data-testid="user-edit-agency">
              <option value="">—</option>
              {refData.agencies.filter((a) => a.active || String(a.id) === d.agencyId).map((a) => <option key={a.id} value={a.id}>{i18n.pick(a.nameVi, a.nameEn)}</option>)}
            </select>
          </label>
        )}
        <label>{t('adm.u.newPassword')} <small>({t('adm.u.passwordKeep')})</small>
          <input type="password" autoComplete="new-password" value={d.password} onChange={(e) => setD((x) => ({ ...x, password: e.target.value }))} data-testid="user-edit-password" />
        </label>
        <label className="check"><input type="checkbox" checked={d.active} onChange={(e) => setD((x) => ({ ...x, active: e.target.checked }))} data-testid="user-edit-active" />{t('adm.active')}</label>
      </div>
      {self && <p className="hint">{t('adm.u.selfHint')}</p>}
      <ErrorLine error={error} testId="user-edit-error" />
      <button type="submit" className="primary" disabled={busy} data-testid="user-edit-save">{t('adm.save')}</button>
      <button type="button" onClick={onCancel} data-testid="user-edit-cancel">{t('adm.cancel')}</button>
    </form>
  );
}
