import { Fragment, useCallback, useState, type FormEvent } from 'react';
import { api, type Priority } from './api';
import { adminApi, AGENCY_KINDS, type AdminAuditEntry, type AgencyDetails, type AgencyKind, type CategoryDetails } from './admin-api';
import { AuditTable, ErrorLine, TableBox, useLoad } from './admin-ui';
import { useI18n, type MessageKey } from './i18n';
import { errorText, type Reference } from './shared';

const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];
const KIND_LABEL: Record<AgencyKind, MessageKey> = {
  department: 'adm.g.kind.department', police: 'adm.g.kind.police', utility: 'adm.g.kind.utility', commune: 'adm.g.kind.commune',
  centre: 'adm.g.kind.centre', other: 'adm.g.kind.other',
};

/** Runs a write, shows the API's message on failure, and reports success to the caller. */
function useWrite() {
  const i18n = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<unknown>, then: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      then();
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function useAudit(entity: AdminAuditEntry['entity']) {
  const load = useCallback(() => api.get<{ entries: AdminAuditEntry[] }>(`/api/v1/admin/audit?entity=${entity}`).then((r) => r.entries), [entity]);
  return useLoad(load);
}

// ---- categories ----------------------------------------------------------------------------------

type CategoryDraft = { nameVi: string; nameEn: string; covers: string; defaultPriority: string; active: boolean };
const categoryDraft = (c?: CategoryDetails): CategoryDraft => ({
  nameVi: c?.nameVi ?? '', nameEn: c?.nameEn ?? '', covers: c?.covers ?? '', defaultPriority: c?.defaultPriority ?? '', active: c?.active ?? true,
});

/** Lĩnh vực: admins rename, switch off and add categories; codes never change (tickets and the IOC feed use them). */
export function AdminCategories({ canEdit, refData, onRefChanged }: { canEdit: boolean; refData: Reference; onRefChanged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const load = useCallback(() => api.get<{ categories: CategoryDetails[] }>('/api/v1/categories').then((r) => r.categories), []);
  const { data, error, reload } = useLoad(load);
  const audit = useAudit('category');
  const [editing, setEditing] = useState<string | null>(null);
  const changed = () => { setEditing(null); reload(); audit.reload(); onRefChanged(); };
  const columns = canEdit ? 6 : 5;
  return (
    <div data-testid="admin-categories">
      <p className="hint">{t('adm.c.hint')}</p>
      <ErrorLine error={error} testId="admin-error" />
      {canEdit && <NewCategory onDone={changed} />}
      {data && (
        <TableBox>
          <table className="tickets admin-table" data-testid="category-list">
            <thead><tr><th>{t('adm.c.code')}</th><th>{t('adm.c.nameVi')}</th><th>{t('adm.c.nameEn')}</th><th>{t('adm.c.defaultPriority')}</th><th>{t('adm.active')}</th>{canEdit && <th />}</tr></thead>
            <tbody>
              {data.map((c) => (
                <Fragment key={c.code}>
                  <tr data-testid="category-row" data-code={c.code} data-active={c.active ? 'yes' : 'no'} className={c.active ? undefined : 'row-inactive'}>
                    <td><code>{c.code}</code></td><td>{c.nameVi}</td><td>{c.nameEn}</td>
                    <td>{c.defaultPriority ? i18n.code(c.defaultPriority) : '—'}</td><td>{c.active ? t('adm.yes') : t('adm.no')}</td>
                    {canEdit && <td className="row-actions"><button type="button" onClick={() => setEditing(editing === c.code ? null : c.code)} data-testid="category-edit">{t('adm.edit')}</button></td>}
                  </tr>
                  {canEdit && editing === c.code && (
                    <tr className="edit-row" data-testid="category-edit-row"><td colSpan={columns}><EditCategory category={c} onDone={changed} onCancel={() => setEditing(null)} /></td></tr>
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
        {audit.data && <AuditTable entries={audit.data.map((e) => ({ ...e, subjectId: e.key }))} subject={t('col.category')}
          staffNames={refData.staffNames} testId="category-audit" />}
      </div>
    </div>
  );
}

function CategoryFields({ d, set }: { d: CategoryDraft; set: (f: (x: CategoryDraft) => CategoryDraft) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <>
      <label>{t('adm.c.nameVi')}<input required value={d.nameVi} onChange={(e) => set((x) => ({ ...x, nameVi: e.target.value }))} data-testid="category-name-vi" /></label>
      <label>{t('adm.c.nameEn')}<input required value={d.nameEn} onChange={(e) => set((x) => ({ ...x, nameEn: e.target.value }))} data-testid="category-name-en" /></label>
      <label>{t('adm.c.defaultPriority')}
        <select value={d.defaultPriority} onChange={(e) => set((x) => ({ ...x, defaultPriority: e.target.value }))} data-testid="category-priority">
          <option value="">{t('adm.c.noDefault')}</option>
          {PRIORITIES.map((p) => <option key={p} value={p}>{i18n.code(p)}</option>)}
        </select>
      </label>
      <label className="check"><input type="checkbox" checked={d.active} onChange={(e) => set((x) => ({ ...x, active: e.target.checked }))} data-testid="category-active" />{t('adm.active')}</label>
    </>
  );
}

const categoryBody = (d: CategoryDraft) => ({
  nameVi: d.nameVi.trim(), nameEn: d.nameEn.trim(), covers: d.covers.trim(), defaultPriority: d.defaultPriority || null, active: d.active,
});

function NewCategory({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [d, setD] = useState<CategoryDraft>(categoryDraft());
  const [added, setAdded] = useState<string | null>(null);
  const w = useWrite();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    void w.run(() => adminApi.post('/api/v1/categories', { code: code.trim(), ...categoryBody(d) }), () => {
      setAdded(code.trim());
      setCode('');
      setD(categoryDraft());
      onDone();
    });
  };
  return (
    <form className="card admin-form" onSubmit={submit} data-testid="category-form">
      <h3>{t('adm.c.new')}</h3>
      <div className="form-row">
        <label>{t('adm.c.code')} <small>({t('adm.c.codeHint')})</small>
          <input required value={code} onChange={(e) => setCode(e.target.value)} data-testid="category-code" pattern="[a-z][a-z0-9]*(-[a-z0-9]+)*" />
        </label>
        <CategoryFields d={d} set={setD} />
      </div>
      <label>{t('adm.c.covers')}<input value={d.covers} onChange={(e) => setD((x) => ({ ...x, covers: e.target.value }))} data-testid="category-covers" /></label>
      <ErrorLine error={w.error} testId="category-form-error" />
      {added && <p className="ok-line" data-testid="category-added">{t('adm.c.added')} {added}</p>}
      <button type="submit" className="primary" disabled={w.busy} data-testid="category-submit">{t('adm.c.new')}</button>
    </form>
  );
}

function EditCategory({ category, onDone, onCancel }: { category: CategoryDetails; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [d, setD] = useState<CategoryDraft>(categoryDraft(category));
  const w = useWrite();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void w.run(() => adminApi.patch(`/api/v1/categories/${encodeURIComponent(category.code)}`, categoryBody(d)), onDone);
  };
  return (
    <form className="admin-form inline-form" onSubmit={submit} data-testid="category-edit-form">
      <div className="form-row"><CategoryFields d={d} set={setD} /></div>
      <label>{t('adm.c.covers')}<input value={d.covers} onChange={(e) => setD((x) => ({ ...x, covers: e.target.value }))} data-testid="category-edit-covers" /></label>
      <ErrorLine error={w.error} testId="category-edit-error" />
      <button type="submit" className="primary" disabled={w.busy} data-testid="category-save">{t('adm.save')}</button>
      <button type="button" onClick={onCancel}>{t('adm.cancel')}</button>
    </form>
  );
}

// ---- agencies ------------------------------------------------------------------------------------

type AgencyDraft = {
  nameVi: string; nameEn: string; shortName: string; kind: AgencyKind; email: string; phone: string; communeCode: string; alwaysOn: boolean; active: boolean;
};
const agencyDraft = (a?: AgencyDetails): AgencyDraft => ({
  nameVi: a?.nameVi ?? '', nameEn: a?.nameEn ?? '', shortName: a?.shortName ?? '', kind: a?.kind ?? 'department', email: a?.email ?? '',
  phone: a?.phone ?? '', communeCode: a?.communeCode ?? '', alwaysOn: a?.alwaysOn ?? false, active: a?.active ?? true,
});
/** Empty optional fields are sent as null, so clearing a contact really clears it. */
const agencyBody = (d: AgencyDraft) => ({
  nameVi: d.nameVi.trim(), nameEn: d.nameEn.trim(), shortName: d.shortName.trim() || null, kind: d.kind, email: d.email.trim() || null,
  phone: d.phone.trim() || null, communeCode: d.communeCode.trim() || null, alwaysOn: d.alwaysOn, active: d.active,
});

/** Đơn vị xử lý: admins add and edit agencies; deactivating one that routing rules still use is refused by the API. */
export function AdminAgencies({ canEdit, refData, onRefChanged }: { canEdit: boolean; refData: Reference; onRefChanged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const load = useCallback(() => api.get<{ agencies: AgencyDetails[] }>('/api/v1/agencies').then((r) => r.agencies), []);
  const { data, error, reload } = useLoad(load);
  const audit = useAudit('agency');
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const changed = () => { setEditing(null); reload(); audit.reload(); onRefChanged(); };
  const columns = canEdit ? 7 : 6;
  const names = new Map((data ?? []).map((a): [number, string] => [a.id, i18n.pick(a.nameVi, a.nameEn)]));
  return (
    <div data-testid="admin-agencies">
      <ErrorLine error={error} testId="admin-error" />
      {canEdit && (editing === 'new'
        ? <div className="card"><h3>{t('adm.g.new')}</h3><AgencyForm onDone={changed} onCancel={() => setEditing(null)} /></div>
        : <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="agency-new">{t('adm.g.new')}</button>)}
      {data && (
        <TableBox>
          <table className="tickets admin-table" data-testid="agency-list">
            <thead><tr>
              <th>{t('adm.c.code')}</th><th>{t('adm.g.name')}</th><th>{t('adm.g.kind')}</th><th>{t('adm.g.contact')}</th><th>{t('adm.g.alwaysOn')}</th><th>{t('adm.active')}</th>{canEdit && <th />}
            </tr></thead>
            <tbody>
              {data.map((a) => (
                <Fragment key={a.id}>
                  <tr data-testid="agency-row" data-agency-id={a.id} data-code={a.code} data-active={a.active ? 'yes' : 'no'} className={a.active ? undefined : 'row-inactive'}>
                    <td><code>{a.code}</code></td>
                    <td>{i18n.pick(a.nameVi, a.nameEn)}{a.shortName && <small className="hint"> ({a.shortName})</small>}</td>
                    <td>{t(KIND_LABEL[a.kind] ?? 'adm.g.kind.other')}</td>
                    <td>{[a.email, a.phone].filter(Boolean).join(' · ') || '—'}</td>
                    <td>{a.alwaysOn ? t('adm.yes') : t('adm.no')}</td><td>{a.active ? t('adm.yes') : t('adm.no')}</td>
                    {canEdit && <td className="row-actions"><button type="button" onClick={() => setEditing(editing === a.id ? null : a.id)} data-testid="agency-edit">{t('adm.edit')}</button></td>}
                  </tr>
                  {canEdit && editing === a.id && (
                    <tr className="edit-row" data-testid="agency-edit-row"><td colSpan={columns}><AgencyForm agency={a} onDone={changed} onCancel={() => setEditing(null)} /></td></tr>
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
        {audit.data && <AuditTable entries={audit.data.map((e) => ({ ...e, subjectId: Number(e.key) }))} subject={t('col.agency')}
          staffNames={refData.staffNames} testId="agency-audit" label={(id) => names.get(Number(id)) ?? `#${id}`} />}
      </div>
    </div>
  );
}

function AgencyForm({ agency, onDone, onCancel }: { agency?: AgencyDetails; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [d, setD] = useState<AgencyDraft>(agencyDraft(agency));
  const w = useWrite();
  const set = (k: keyof AgencyDraft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void w.run(() => (agency
      ? adminApi.patch(`/api/v1/agencies/${agency.id}`, agencyBody(d))
      : adminApi.post('/api/v1/agencies', { code: code.trim(), ...agencyBody(d) })), onDone);
  };
  return (
    <form className="admin-form inline-form" onSubmit={submit} data-testid="agency-form" data-agency-id={agency?.id ?? ''}>
      <div className="form-row">
        {!agency && <label>{t('adm.c.code')}<input required value={code} onChange={(e) => setCode(e.target.value)} data-testid="agency-code" /></label>}
        <label>{t('adm.c.nameVi')}<input required value={d.nameVi} onChange={set('nameVi')} data-testid="agency-name-vi" /></label>
        <label>{t('adm.c.nameEn')}<input required value={d.nameEn} onChange={set('nameEn')} data-testid="agency-name-en" /></label>
        <label>{t('adm.g.shortName')}<input value={d.shortName} onChange={set('shortName')} data-testid="agency-short" /></label>
        <label>{t('adm.g.kind')}
          <select value={d.kind} onChange={set('kind')} data-testid="agency-kind">
            {AGENCY_KINDS.map((k) => <option key={k} value={k}>{t(KIND_LABEL[k])}</option>)}
          </select>
        </label>
        <label>{t('email')}<input type="email" value={d.email} onChange={set('email')} data-testid="agency-email" /></label>
        <label>{t('adm.g.phone')}<input type="tel" value={d.phone} onChange={set('phone')} data-testid="agency-phone" /></label>
        <label>{t('adm.g.commune')}<input inputMode="numeric" value={d.communeCode} onChange={set('communeCode')} data-testid="agency-commune" /></label>
        <label className="check"><input type="checkbox" checked={d.alwaysOn} onChange={(e) => setD((x) => ({ ...x, alwaysOn: e.target.checked }))} data-testid="agency-always-on" />{t('adm.g.alwaysOn')}</label>
        <label className="check"><input type="checkbox" checked={d.active} onChange={(e) => setD((x) => ({ ...x, active: e.target.checked }))} data-testid="agency-active" />{t('adm.active')}</label>
      </div>
      <ErrorLine error={w.error} testId="agency-form-error" />
      <button type="submit" className="primary" disabled={w.busy} data-testid="agency-save">{t('adm.save')}</button>
      <button type="button" onClick={onCancel} data-testid="agency-cancel">{t('adm.cancel')}</button>
    </form>
  );
}
