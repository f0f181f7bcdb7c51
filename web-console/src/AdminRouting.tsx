import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from './api';
import { adminApi, type AdminUnit, type RoutingAuditEntry, type RoutingLevel, type RoutingPreview, type RoutingRule } from './admin-api';
import { AuditTable, ErrorLine, useLoad } from './admin-ui';
import { useI18n } from './i18n';
import { errorText, type Reference } from './shared';

type RuleDraft = { categoryCode: string; communeCode: string; keyword: string; agencyId: string; precedence: string; active: boolean; note: string };
const EMPTY: RuleDraft = { categoryCode: '', communeCode: '', keyword: '', agencyId: '', precedence: '100', active: true, note: '' };
const draftOf = (r: RoutingRule): RuleDraft => ({
  categoryCode: r.categoryCode ?? '', communeCode: r.communeCode ?? '', keyword: r.keyword ?? '', agencyId: String(r.agencyId),
  precedence: String(r.precedence), active: r.active, note: r.note ?? '',
});
/** Empty fields are "any" (null); numbers are sent as numbers, so the API validates what was typed. */
const bodyOf = (d: RuleDraft) => ({
  categoryCode: d.categoryCode || null, communeCode: d.communeCode || null, keyword: d.keyword.trim() || null,
  agencyId: Number(d.agencyId), precedence: Number(d.precedence), active: d.active, note: d.note.trim() || null,
});

type Rules = { rules: RoutingRule[]; levels: RoutingLevel[] };

/** Quy tắc định tuyến: the rules (admins edit), a dry run of routing, and the audit trail. */
export function AdminRouting({ canEdit, refData }: { canEdit: boolean; refData: Reference }) {
  const i18n = useI18n();
  const { t } = i18n;
  const loadRules = useCallback(() => api.get<Rules>('/api/v1/routing/rules'), []);
  const rules = useLoad(loadRules);
  const loadAudit = useCallback(() => api.get<{ entries: RoutingAuditEntry[] }>('/api/v1/routing/audit').then((r) => r.entries), []);
  const audit = useLoad(loadAudit);
  const [editing, setEditing] = useState<RoutingRule | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const changed = () => { setEditing(null); rules.reload(); audit.reload(); };
  const remove = async (r: RoutingRule) => {
    if (!confirm(`${t('adm.r.deleteConfirm')} #${r.id}?`)) return;
    setError(null);
    try {
      await adminApi.del(`/api/v1/routing/rules/${r.id}`);
      changed();
    } catch (err) {
      setError(errorText(err, i18n));
    }
  };
  const category = (c: string | null) => {
    if (c === null) return t('adm.any');
    const x = refData.categories.find((y) => y.code === c);
    return x ? i18n.pick(x.nameVi, x.nameEn) : c;
  };
  const agency = (id: number | null) => {
    const a = refData.agencies.find((x) => x.id === id);
    return a ? i18n.pick(a.nameVi, a.nameEn) : id === null ? '—' : `#${id}`;
  };
  const levelOf = (r: RoutingRule, levels: RoutingLevel[]) => {
    const shape = [r.categoryCode && 'category', r.communeCode && 'commune', r.keyword && 'keyword'].filter(Boolean).join('+') || 'catch-all';
    const l = levels.find((x) => x.shape === shape);
    return l ? `${l.level} · ${i18n.pick(l.vi, l.en)}` : shape;
  };

  return (
    <div data-testid="admin-routing">
      <ErrorLine error={rules.error} testId="admin-error" />
      <ErrorLine error={error} testId="rule-error" />
      {canEdit && editing === null && <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="rule-new">{t('adm.r.new')}</button>}
      {canEdit && editing !== null && (
        <RuleForm key={editing === 'new' ? 'new' : editing.id} rule={editing === 'new' ? null : editing} refData={refData}
          onDone={changed} onCancel={() => setEditing(null)} />
      )}
      {rules.data && (rules.data.rules.length === 0 ? <p className="hint" data-testid="rule-list-empty">{t('adm.r.none')}</p> : (
        <div className="table-box"><table className="tickets admin-table" data-testid="rule-list">
          <thead><tr>
            <th>#</th><th>{t('adm.r.level')}</th><th>{t('col.category')}</th><th>{t('adm.r.commune')}</th><th>{t('adm.r.keyword')}</th>
            <th>{t('col.agency')}</th><th>{t('adm.r.precedence')}</th><th>{t('adm.active')}</th><th>{t('adm.r.note')}</th>{canEdit && <th />}
          </tr></thead>
          <tbody>
            {rules.data.rules.map((r) => (
              <tr key={r.id} data-testid="rule-row" data-rule-id={r.id} data-category={r.categoryCode ?? ''} data-agency-id={r.agencyId}>
                <td>{r.id}</td><td>{levelOf(r, rules.data!.levels)}</td><td>{category(r.categoryCode)}</td><td>{r.communeCode ?? t('adm.any')}</td>
                <td>{r.keyword ?? '—'}</td><td>{agency(r.agencyId)}</td><td>{r.precedence}</td><td>{r.active ? t('adm.yes') : t('adm.no')}</td>
                <td>{r.note ?? ''}</td>
                {canEdit && (
                  <td className="row-actions">
                    <button type="button" onClick={() => setEditing(r)} data-testid="rule-edit">{t('adm.edit')}</button>
                    <button type="button" className="danger" onClick={() => void remove(r)} data-testid="rule-delete">{t('adm.delete')}</button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table></div>
      ))}
      <Preview refData={refData} category={category} agency={agency} />
      <div className="card">
        <h3>{t('adm.auditTitle')}</h3>
        <ErrorLine error={audit.error} testId="audit-error" />
        {audit.data && <AuditTable entries={audit.data.map((e) => ({ ...e, subjectId: e.ruleId }))} subject={t('adm.r.rule')}
          staffNames={refData.staffNames} testId="rule-audit" />}
      </div>
    </div>
  );
}

function RuleForm({ rule, refData, onDone, onCancel }: { rule: RoutingRule | null; refData: Reference; onDone: () => void; onCancel: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [d, setD] = useState<RuleDraft>(rule ? draftOf(rule) : EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof RuleDraft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (rule) await adminApi.patch(`/api/v1/routing/rules/${rule.id}`, bodyOf(d));
      else await api.post('/api/v1/routing/rules', bodyOf(d));
      onDone();
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card admin-form" onSubmit={submit} data-testid="rule-form" data-rule-id={rule?.id ?? ''}>
      <h3>{rule ? `${t('adm.r.edit')} #${rule.id}` : t('adm.r.new')}</h3>
      <p className="hint">{t('adm.r.hint')}</p>
      <div className="form-row">
        <label>{t('col.category')}
          <select value={d.categoryCode} onChange={set('categoryCode')} data-testid="rule-category">
            <option value="">{t('adm.any')}</option>
            {refData.categories.map((c) => <option key={c.code} value={c.code}>{i18n.pick(c.nameVi, c.nameEn)}</option>)}
          </select>
        </label>
        <CommunePicker value={d.communeCode} onChange={(v) => setD((x) => ({ ...x, communeCode: v }))} testId="rule-commune" />
        <label>{t('adm.r.keyword')}<input value={d.keyword} onChange={set('keyword')} data-testid="rule-keyword" /></label>
        <label>{t('col.agency')}
          <select value={d.agencyId} onChange={set('agencyId')} data-testid="rule-agency">
            <option value="">—</option>
            {refData.agencies.map((a) => <option key={a.id} value={a.id}>{i18n.pick(a.nameVi, a.nameEn)}</option>)}
          </select>
        </label>
        <label>{t('adm.r.precedence')}<input type="number" value={d.precedence} onChange={set('precedence')} data-testid="rule-precedence" /></label>
        <label className="check"><input type="checkbox" checked={d.active} onChange={(e) => setD((x) => ({ ...x, active: e.target.checked }))} data-testid="rule-active" />{t('adm.active')}</label>
      </div>
      <label>{t('adm.r.note')}<input value={d.note} onChange={set('note')} data-testid="rule-note" /></label>
      <ErrorLine error={error} testId="rule-form-error" />
      <button type="submit" className="primary" disabled={busy} data-testid="rule-save">{t('adm.save')}</button>
      <button type="button" onClick={onCancel} data-testid="rule-cancel">{t('adm.cancel')}</button>
    </form>
  );
}

/** Province, then commune (GET /api/v1/admin-units, then ?parent=<province>); empty is "any commune". */
export function CommunePicker({ value, onChange, testId }: { value: string; onChange: (code: string) => void; testId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const loadProvinces = useCallback(() => api.get<{ units: AdminUnit[] }>('/api/v1/admin-units').then((r) => r.units), []);
  const provinces = useLoad(loadProvinces);
  const [province, setProvince] = useState('');
  const [communes, setCommunes] = useState<AdminUnit[]>([]);
  const [error, setError] = useState<string | null>(null);
  // One province loaded (the usual deployment): chosen for the admin.
  useEffect(() => {
    if (provinces.data?.length === 1 && province === '') setProvince(provinces.data[0]!.code);
  }, [provinces.data, province]);
  useEffect(() => {
    if (!province) { setCommunes([]); return; }
    let live = true;
    api.get<{ units: AdminUnit[] }>(`/api/v1/admin-units?parent=${encodeURIComponent(province)}`)
      .then((r) => { if (live) { setCommunes(r.units); setError(null); } }, (e: unknown) => { if (live) setError(errorText(e, i18n)); });
    return () => { live = false; };
  }, [province, i18n]);
  const known = value === '' || communes.some((c) => c.code === value);
  return (
    <>
      <label>{t('adm.r.province')}
        <select value={province} onChange={(e) => setProvince(e.target.value)} data-testid={`${testId}-province`}>
          <option value="">—</option>
          {(provinces.data ?? []).map((p) => <option key={p.code} value={p.code}>{p.name}</option>)}
        </select>
      </label>
      <label>{t('adm.r.commune')}
        <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          <option value="">{t('adm.any')}</option>
          {!known && <option value={value}>{value}</option>}
          {communes.map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}
        </select>
      </label>
      <ErrorLine error={error ?? provinces.error} testId={`${testId}-error`} />
    </>
  );
}

/** Thử định tuyến: POST /api/v1/routing/preview runs classification, area and routing without a ticket. */
function Preview({ refData, category, agency }: { refData: Reference; category: (c: string | null) => string; agency: (id: number | null) => string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [form, setForm] = useState({ text: '', categoryCode: '', communeCode: '', address: '' });
  const [result, setResult] = useState<RoutingPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setResult(await api.post<RoutingPreview>('/api/v1/routing/preview', {
        text: form.text,
        ...(form.categoryCode ? { categoryCode: form.categoryCode } : {}),
        ...(form.communeCode ? { communeCode: form.communeCode } : {}),
        ...(form.address.trim() ? { address: form.address.trim() } : {}),
      }));
    } catch (err) {
      setResult(null);
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card admin-form" onSubmit={submit} data-testid="preview-form">
      <h3>{t('adm.p.title')}</h3>
      <label>{t('description')}<textarea required rows={2} value={form.text} onChange={(e) => setForm((f) => ({ ...f, text: e.target.value }))} data-testid="preview-text" /></label>
      <div className="form-row">
        <label>{t('col.category')}
          <select value={form.categoryCode} onChange={(e) => setForm((f) => ({ ...f, categoryCode: e.target.value }))} data-testid="preview-category">
            <option value="">{t('adm.p.auto')}</option>
            {refData.categories.map((c) => <option key={c.code} value={c.code}>{i18n.pick(c.nameVi, c.nameEn)}</option>)}
          </select>
        </label>
        <CommunePicker value={form.communeCode} onChange={(v) => setForm((f) => ({ ...f, communeCode: v }))} testId="preview-commune" />
        <label>{t('adm.p.address')}<input value={form.address} onChange={(e) => setForm((f) => ({ ...f, address: e.target.value }))} data-testid="preview-address" /></label>
      </div>
      <button type="submit" className="primary" disabled={busy} data-testid="preview-submit">{t('adm.p.run')}</button>
      <ErrorLine error={error} testId="preview-error" />
      {result && (
        <dl className="preview-result" data-testid="preview-result" data-agency-id={result.routing.agencyId ?? ''} data-rule-id={result.routing.ruleId ?? ''}>
          <dt>{t('col.agency')}</dt><dd data-testid="preview-agency">{agency(result.routing.agencyId)}</dd>
          <dt>{t('adm.p.reason')}</dt><dd data-testid="preview-reason">{i18n.pick(result.routing.reasonVi, result.routing.reasonEn)}</dd>
          <dt>{t('adm.r.rule')}</dt><dd>{result.routing.ruleId === null ? '—' : `#${result.routing.ruleId} (${t('adm.r.level')} ${result.routing.level ?? '—'})`}</dd>
          <dt>{t('col.category')}</dt><dd data-testid="preview-category-result">{category(result.routing.categoryCode)} · {t('confidence')} {Math.round(result.classification.confidence * 100)}%</dd>
          <dt>{t('col.priority')}</dt><dd>{i18n.code(result.classification.priority)}</dd>
          <dt>{t('adm.r.commune')}</dt><dd>{result.area.communeCode ?? '—'} · {result.area.detail}</dd>
        </dl>
      )}
    </form>
  );
}
