import { useCallback, useState, type FormEvent } from 'react';
import { api } from './api';
import { adminApi, type AdminUnit, type AreaAlias } from './admin-api';
import { CommunePicker } from './AdminRouting';
import { ErrorLine, TableBox, useLoad } from './admin-ui';
import { useI18n } from './i18n';
import { errorText } from './shared';

/**
 * Tên địa danh: place names the commune list does not know (villages, estates, landmarks, old
 * names) mapped to a commune, so reports that mention them are routed to the right area.
 */
export function AdminAreas({ canEdit }: { canEdit: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const load = useCallback(() => api.get<{ aliases: AreaAlias[] }>('/api/v1/area-aliases').then((r) => r.aliases), []);
  const { data, error, reload } = useLoad(load);
  const [form, setForm] = useState({ alias: '', communeCode: '' });
  const [formError, setFormError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [filter, setFilter] = useState('');
  // Commune names for the list (one province in the usual deployment, so one or two requests).
  const loadNames = useCallback(async () => {
    const provinces = (await api.get<{ units: AdminUnit[] }>('/api/v1/admin-units')).units;
    const communes = await Promise.all(provinces.map((p) => api.get<{ units: AdminUnit[] }>(`/api/v1/admin-units?parent=${encodeURIComponent(p.code)}`)));
    return new Map(communes.flatMap((c) => c.units).map((u): [string, string] => [u.code, u.fullName]));
  }, []);
  const names = useLoad(loadNames);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFormError(null);
    setAdded(null);
    try {
      await adminApi.post('/api/v1/area-aliases', { alias: form.alias.trim(), communeCode: form.communeCode });
      setAdded(form.alias.trim());
      setForm((f) => ({ ...f, alias: '' }));
      reload();
    } catch (err) {
      setFormError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  const q = filter.trim().toLowerCase();
  const shown = (data ?? []).filter((a) => !q || a.alias.toLowerCase().includes(q) || a.code.includes(q)
    || (names.data?.get(a.code) ?? '').toLowerCase().includes(q));
  return (
    <div data-testid="admin-areas">
      <p className="hint">{t('adm.a.hint')}</p>
      <ErrorLine error={error} testId="admin-error" />
      {canEdit && (
        <form className="card admin-form" onSubmit={submit} data-testid="alias-form">
          <h3>{t('adm.a.add')}</h3>
          <div className="form-row">
            <label>{t('adm.a.alias')}<input required minLength={3} value={form.alias} onChange={(e) => setForm((f) => ({ ...f, alias: e.target.value }))} data-testid="alias-name" /></label>
            <CommunePicker value={form.communeCode} onChange={(v) => setForm((f) => ({ ...f, communeCode: v }))} testId="alias-commune" />
          </div>
          <ErrorLine error={formError} testId="alias-form-error" />
          {added && <p className="ok-line" data-testid="alias-added">{t('adm.a.added')} {added}</p>}
          <button type="submit" className="primary" disabled={busy || !form.communeCode} data-testid="alias-submit">{t('adm.a.add')}</button>
        </form>
      )}
      {data && (data.length === 0 ? <p className="hint" data-testid="alias-list-empty">{t('adm.a.none')}</p> : (
        <>
          <input type="search" className="search" placeholder={t('adm.a.filter')} aria-label={t('adm.a.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="alias-filter" />
          <TableBox>
            <table className="tickets admin-table" data-testid="alias-list">
              <thead><tr><th>{t('adm.a.alias')}</th><th>{t('adm.r.commune')}</th></tr></thead>
              <tbody>
                {shown.map((a) => <tr key={`${a.alias}|${a.code}`} data-testid="alias-row" data-alias={a.alias} data-code={a.code}><td>{a.alias}</td><td>{names.data?.get(a.code) ?? ''} <code>{a.code}</code></td></tr>)}
              </tbody>
            </table>
          </TableBox>
        </>
      ))}
    </div>
  );
}
