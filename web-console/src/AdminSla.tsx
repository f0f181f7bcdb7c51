import { useCallback, useState, type FormEvent } from 'react';
import { api, type Priority } from './api';
import { adminApi, TARGET_UNITS, TRANSFER_MODES, type PolicyAuditEntry, type SlaPolicy, type SlaPolicyFields, type SlaTarget } from './admin-api';
import { AuditTable, ErrorLine, useLoad } from './admin-ui';
import { dateTime, useI18n, type I18n, type MessageKey } from './i18n';
import { errorText, type Reference } from './shared';

const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];
const UNIT_LABEL: Record<SlaTarget['unit'], MessageKey> = { working_hours: 'adm.s.hours', working_days: 'adm.s.days' };
const TRANSFER_LABEL: Record<SlaPolicy['transfer'], MessageKey> = { continue: 'adm.s.continue', restart: 'adm.s.restart' };

type Policies = { policies: SlaPolicy[]; defaults: SlaPolicyFields[] };
type Draft = {
  categoryCode: string; priority: Priority; responseAmount: string; responseUnit: SlaTarget['unit'];
  resolutionAmount: string; resolutionUnit: SlaTarget['unit']; warnPercent: string; transfer: SlaPolicy['transfer'];
};
const draftOf = (p: SlaPolicyFields): Draft => ({
  categoryCode: p.categoryCode ?? '', priority: p.priority, responseAmount: String(p.response.amount), responseUnit: p.response.unit,
  resolutionAmount: String(p.resolution.amount), resolutionUnit: p.resolution.unit,
  warnPercent: String(Math.round(p.warnAtFraction * 100)), transfer: p.transfer,
});
const bodyOf = (d: Draft): SlaPolicyFields => ({
  categoryCode: d.categoryCode || null, priority: d.priority,
  response: { amount: Number(d.responseAmount), unit: d.responseUnit },
  resolution: { amount: Number(d.resolutionAmount), unit: d.resolutionUnit },
  warnAtFraction: Number(d.warnPercent) / 100, transfer: d.transfer,
});
const NEW: Draft = draftOf({
  categoryCode: null, priority: 'normal', response: { amount: 1, unit: 'working_days' }, resolution: { amount: 10, unit: 'working_days' },
  warnAtFraction: 0.75, transfer: 'continue',
});

const target = (x: SlaTarget, i18n: I18n) => `${x.amount} ${i18n.t(UNIT_LABEL[x.unit])}`;

/** Chính sách SLA: the stored policies (admins create, edit, delete), the built-in defaults, and the audit. */
export function AdminSla({ canEdit, refData }: { canEdit: boolean; refData: Reference }) {
  const i18n = useI18n();
  const { t } = i18n;
  const loadPolicies = useCallback(() => api.get<Policies>('/api/v1/sla/policies'), []);
  const policies = useLoad(loadPolicies);
  const loadAudit = useCallback(() => api.get<{ entries: PolicyAuditEntry[] }>('/api/v1/sla/policies/audit').then((r) => r.entries), []);
  const audit = useLoad(loadAudit);
  const [editing, setEditing] = useState<SlaPolicy | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const changed = () => { setEditing(null); policies.reload(); audit.reload(); };
  const remove = async (p: SlaPolicy) => {
    if (!confirm(`${t('adm.s.deleteConfirm')} #${p.id}?`)) return;
    setError(null);
    try {
      await adminApi.del(`/api/v1/sla/policies/${p.id}`);
      changed();
    } catch (err) {
      setError(errorText(err, i18n));
    }
  };
  const category = (c: string | null) => {
    if (c === null) return t('adm.s.allCategories');
    const x = refData.categories.find((y) => y.code === c);
    return x ? i18n.pick(x.nameVi, x.nameEn) : c;
  };
  const rows = (list: (SlaPolicyFields & { id?: number; updatedAt?: string })[], testId: string, editable: boolean) => (
    <div className="table-box"><table className="tickets admin-table" data-testid={testId}>
      <thead><tr>
        <th>{t('col.category')}</th><th>{t('col.priority')}</th><th>{t('adm.s.response')}</th><th>{t('adm.s.resolution')}</th>
        <th>{t('adm.s.warn')}</th><th>{t('adm.s.transfer')}</th>{editable && <th>{t('adm.s.updatedAt')}</th>}{editable && canEdit && <th />}
      </tr></thead>
      <tbody>
        {list.map((p, i) => (
          <tr key={p.id ?? `d${i}`} data-testid={`${testId}-row`} data-policy-id={p.id ?? ''} data-priority={p.priority} data-category={p.categoryCode ?? ''}
            data-resolution={`${p.resolution.amount} ${p.resolution.unit}`}>
            <td>{category(p.categoryCode)}</td><td>{i18n.code(p.priority)}</td>
            <td>{target(p.response, i18n)}</td><td data-testid="policy-resolution">{target(p.resolution, i18n)}</td>
            <td>{Math.round(p.warnAtFraction * 100)}%</td><td>{t(TRANSFER_LABEL[p.transfer])}</td>
            {editable && <td>{p.updatedAt ? dateTime(p.updatedAt, i18n.lang) : ''}</td>}
            {editable && canEdit && p.id !== undefined && (
              <td className="row-actions">
                <button type="button" onClick={() => setEditing(p as SlaPolicy)} data-testid="policy-edit">{t('adm.edit')}</button>
                <button type="button" className="danger" onClick={() => void remove(p as SlaPolicy)} data-testid="policy-delete">{t('adm.delete')}</button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table></div>
  );

  return (
    <div data-testid="admin-sla">
      <ErrorLine error={policies.error} testId="admin-error" />
      <ErrorLine error={error} testId="policy-error" />
      {canEdit && editing === null && <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="policy-new">{t('adm.s.new')}</button>}
      {canEdit && editing !== null && (
        <PolicyForm key={editing === 'new' ? 'new' : editing.id} policy={editing === 'new' ? null : editing} refData={refData}
          onDone={changed} onCancel={() => setEditing(null)} />
      )}
      {policies.data && (
        <>
          <h3>{t('adm.s.stored')}</h3>
          {policies.data.policies.length === 0 ? <p className="hint" data-testid="policy-list-empty">{t('adm.s.none')}</p>
            : rows(policies.data.policies, 'policy-list', true)}
          <h3>{t('adm.s.defaults')}</h3>
          <p className="hint">{t('adm.s.defaultsHint')}</p>
          {rows(policies.data.defaults, 'policy-defaults', false)}
        </>
      )}
      <div className="card">
        <h3>{t('adm.auditTitle')}</h3>
        <ErrorLine error={audit.error} testId="audit-error" />
        {audit.data && <AuditTable entries={audit.data.map((e) => ({ ...e, subjectId: e.policyId }))} subject={t('adm.s.policy')}
          staffNames={refData.staffNames} testId="policy-audit" />}
      </div>
    </div>
  );
}

function PolicyForm({ policy, refData, onDone, onCancel }: { policy: SlaPolicy | null; refData: Reference; onDone: () => void; onCancel: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [d, setD] = useState<Draft>(policy ? draftOf(policy) : NEW);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (policy) await adminApi.patch(`/api/v1/sla/policies/${policy.id}`, bodyOf(d));
      else await api.post('/api/v1/sla/policies', bodyOf(d));
      onDone();
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  const unit = (k: 'responseUnit' | 'resolutionUnit', testId: string) => (
    <select value={d[k]} onChange={set(k)} data-testid={testId}>
      {TARGET_UNITS.map((u) => <option key={u} value={u}>{t(UNIT_LABEL[u])}</option>)}
    </select>
  );
  return (
    <form className="card admin-form" onSubmit={submit} data-testid="policy-form" data-policy-id={policy?.id ?? ''}>
      <h3>{policy ? `${t('adm.s.edit')} #${policy.id}` : t('adm.s.new')}</h3>
      <div className="form-row">
        <label>{t('col.category')}
          <select value={d.categoryCode} onChange={set('categoryCode')} data-testid="policy-category">
            <option value="">{t('adm.s.allCategories')}</option>
            {refData.categories.map((c) => <option key={c.code} value={c.code}>{i18n.pick(c.nameVi, c.nameEn)}</option>)}
          </select>
        </label>
        <label>{t('col.priority')}
          <select value={d.priority} onChange={set('priority')} data-testid="policy-priority">
            {PRIORITIES.map((p) => <option key={p} value={p}>{i18n.code(p)}</option>)}
          </select>
        </label>
        <label>{t('adm.s.response')}
          <span className="pair"><input type="number" step="any" value={d.responseAmount} onChange={set('responseAmount')} data-testid="policy-response-amount" />{unit('responseUnit', 'policy-response-unit')}</span>
        </label>
        <label>{t('adm.s.resolution')}
          <span className="pair"><input type="number" step="any" value={d.resolutionAmount} onChange={set('resolutionAmount')} data-testid="policy-resolution-amount" />{unit('resolutionUnit', 'policy-resolution-unit')}</span>
        </label>
        <label>{t('adm.s.warn')} (%)<input type="number" value={d.warnPercent} onChange={set('warnPercent')} data-testid="policy-warn" /></label>
        <label>{t('adm.s.transfer')}
          <select value={d.transfer} onChange={set('transfer')} data-testid="policy-transfer">
            {TRANSFER_MODES.map((m) => <option key={m} value={m}>{t(TRANSFER_LABEL[m])}</option>)}
          </select>
        </label>
      </div>
      <ErrorLine error={error} testId="policy-form-error" />
      <button type="submit" className="primary" disabled={busy} data-testid="policy-save">{t('adm.save')}</button>
      <button type="button" onClick={onCancel} data-testid="policy-cancel">{t('adm.cancel')}</button>
    </form>
  );
}
