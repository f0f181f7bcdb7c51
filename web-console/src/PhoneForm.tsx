import { useState, type FormEvent } from 'react';
import { api, type Priority } from './api';
import { useI18n } from './i18n';
import { errorText, type Reference } from './shared';

/** An operator logs a call as a ticket (POST /api/v1/tickets, phoneTicketSchema). */
export function PhoneForm({ refData, onCreated }: { refData: Reference; onCreated: (code: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [text, setText] = useState('');
  const [category, setCategory] = useState('');
  const [priority, setPriority] = useState<Priority | ''>('');
  const [address, setAddress] = useState('');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [share, setShare] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const contact = { ...(name.trim() ? { name: name.trim() } : {}), ...(phone.trim() ? { phone: phone.trim() } : {}) };
    const body = {
      channel: 'phone',
      text,
      ...(category ? { category } : {}),
      ...(priority ? { priority } : {}),
      ...(address.trim() ? { address: address.trim() } : {}),
      ...(Object.keys(contact).length ? { contact: { ...contact, shareWithAgency: share } } : {}),
    };
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ code: string }>('/api/v1/tickets', body);
      onCreated(r.code);
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card phone-form" onSubmit={submit} data-testid="phone-form">
      <h2>{t('phoneTitle')}</h2>
      <label>{t('phoneText')}<textarea required minLength={5} rows={5} value={text} onChange={(e) => setText(e.target.value)} data-testid="phone-text" autoFocus /></label>
      <div className="row">
        <label>{t('category')} <small>{t('optional')}</small>
          <select value={category} onChange={(e) => setCategory(e.target.value)} data-testid="phone-category">
            <option value="">{t('autoPriority')}</option>
            {refData.categories.filter((c) => c.active).map((c) => <option key={c.code} value={c.code}>{i18n.pick(c.nameVi, c.nameEn)}</option>)}
          </select>
        </label>
        <label>{t('priority')} <small>{t('optional')}</small>
          <select value={priority} onChange={(e) => setPriority(e.target.value as Priority | '')} data-testid="phone-priority">
            <option value="">{t('autoPriority')}</option>
            {refData.priorities.map((p) => <option key={p.code} value={p.code}>{i18n.pick(p.nameVi, p.nameEn)}</option>)}
          </select>
        </label>
      </div>
      <label>{t('address')} <small>{t('optional')}</small><input value={address} onChange={(e) => setAddress(e.target.value)} data-testid="phone-address" /></label>
      <div className="row">
        <label>{t('callerName')} <small>{t('optional')}</small><input value={name} onChange={(e) => setName(e.target.value)} data-testid="phone-name" /></label>
        <label>{t('callerPhone')} <small>{t('optional')}</small><input type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} data-testid="phone-number" /></label>
      </div>
      <label className="check"><input type="checkbox" checked={share} onChange={(e) => setShare(e.target.checked)} /> {t('shareWithAgency')}</label>
      {error && <p className="error" role="alert" data-testid="phone-error">{error}</p>}
      <button type="submit" className="primary" disabled={busy} data-testid="phone-submit">{t('create')}</button>
    </form>
  );
}
