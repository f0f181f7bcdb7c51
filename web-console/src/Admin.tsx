import { useCallback, useState, type FormEvent } from 'react';
import { api, type User } from './api';
import { adminApi, type CalendarDayKind, type WorkCalendar } from './admin-api';
import { AdminAreas } from './AdminAreas';
import { AdminAgencies, AdminCategories } from './AdminCatalog';
import { AdminChannels } from './AdminChannels';
import { AdminRouting } from './AdminRouting';
import { AdminSla } from './AdminSla';
import { AdminUsers } from './AdminUsers';
import { ErrorLine, useLoad } from './admin-ui';
import { useI18n, type MessageKey } from './i18n';
import { ADMIN_TABS, linkProps, type AdminTab } from './router';
import { errorText, type Reference } from './shared';

const TAB_LABEL: Record<AdminTab, MessageKey> = {
  users: 'adm.tab.users', categories: 'adm.tab.categories', agencies: 'adm.tab.agencies', routing: 'adm.tab.routing', aliases: 'adm.tab.aliases',
  sla: 'adm.tab.sla', calendar: 'adm.tab.calendar', channels: 'adm.tab.channels',
};

/**
 * Quản trị / Administration. Admins edit; supervisors see what the API lets them read. Other roles
 * can open the URL and get the API's own refusal. `onRefChanged` reloads the reference data the
 * other screens use (categories, agencies) after an admin changed them.
 */
export function Admin({ user, tab, refData, onRefChanged }: { user: User; tab: AdminTab; refData: Reference; onRefChanged: () => void }) {
  const { t } = useI18n();
  const canEdit = user.role === 'admin';
  return (
    <section className="admin" data-testid="admin" data-tab={tab}>
      <div className="queue-bar">
        <h2>{t('adm.title')}</h2>
        <nav className="tabs" aria-label={t('adm.title')}>
          {ADMIN_TABS.map((k) => (
            <a key={k} className={k === tab ? 'tab active' : 'tab'} {...linkProps({ name: 'admin', tab: k })} data-testid={`admin-tab-${k}`}
              aria-current={k === tab ? 'page' : undefined}>{t(TAB_LABEL[k])}</a>
          ))}
        </nav>
      </div>
      {!canEdit && <p className="hint" data-testid="admin-read-only">{t('adm.readOnly')}</p>}
      {tab === 'users' ? <AdminUsers user={user} canEdit={canEdit} refData={refData} />
        : tab === 'categories' ? <AdminCategories canEdit={canEdit} refData={refData} onRefChanged={onRefChanged} />
          : tab === 'agencies' ? <AdminAgencies canEdit={canEdit} refData={refData} onRefChanged={onRefChanged} />
            : tab === 'routing' ? <AdminRouting canEdit={canEdit} refData={refData} />
              : tab === 'aliases' ? <AdminAreas canEdit={canEdit} />
                : tab === 'sla' ? <AdminSla canEdit={canEdit} refData={refData} />
                  : tab === 'calendar' ? <CalendarScreen canEdit={canEdit} />
                    : <AdminChannels canEdit={canEdit} refData={refData} />}
    </section>
  );
}

const vnYear = () => new Date(Date.now() + 7 * 3_600_000).getUTCFullYear();
const pad = (n: number) => String(n).padStart(2, '0');

type DayMark = { cls: string; label: string };

/** Lịch làm việc: the year's days off and working weekends, and the days admins announced. */
function CalendarScreen({ canEdit }: { canEdit: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [year, setYear] = useState(vnYear);
  const load = useCallback(() => api.get<WorkCalendar>(`/api/v1/sla/calendar?year=${year}`), [year]);
  const { data, error, reload } = useLoad(load);
  const [form, setForm] = useState({ date: '', kind: 'day_off' as CalendarDayKind, reason: '' });
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setFormError(null);
    try {
      await work();
      reload();
    } catch (err) {
      setFormError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.post('/api/v1/sla/calendar/days', form);
      setForm((f) => ({ ...f, date: '', reason: '' }));
    });
  };

  const marks = new Map<string, DayMark>();
  if (data) {
    for (const h of data.holidays) marks.set(h.date, { cls: 'day-off', label: i18n.pick(h.name_vi, h.name_en) });
    for (const w of data.makeUpWorkingDays) marks.set(w.date, { cls: 'day-work', label: i18n.pick(w.reason, w.reason_en ?? w.reason) });
    for (const d of data.adminDays) {
      const m = marks.get(d.date);
      marks.set(d.date, { cls: `${m?.cls ?? (d.kind === 'day_off' ? 'day-off' : 'day-work')} day-admin`, label: d.reason });
    }
  }
  const locale = i18n.lang === 'en' ? 'en-GB' : 'vi-VN';
  return (
    <div data-testid="admin-calendar" data-year={year}>
      <div className="queue-bar">
        <button type="button" onClick={() => setYear((y) => y - 1)} data-testid="cal-prev">← {year - 1}</button>
        <strong data-testid="cal-year">{year}</strong>
        <button type="button" onClick={() => setYear((y) => y + 1)} data-testid="cal-next">{year + 1} →</button>
        {data && <span className="hint">{t('adm.cal.schedule')}: {i18n.pick(data.schedule.nameVi, data.schedule.nameEn)}</span>}
        <span className="legend"><i className="day-off" /> {t('adm.cal.dayOff')} <i className="day-work" /> {t('adm.cal.workingDay')} <i className="day-admin" /> {t('adm.cal.adminDay')}</span>
      </div>
      <ErrorLine error={error} testId="admin-error" />
      {data && (
        <div className="year-grid" data-testid="cal-grid">
          {Array.from({ length: 12 }, (_, m) => {
            const first = new Date(Date.UTC(year, m, 1));
            const days = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
            const lead = (first.getUTCDay() + 6) % 7;
            return (
              <div key={m} className="month">
                <h4>{first.toLocaleDateString(locale, { month: 'long', timeZone: 'UTC' })}</h4>
                <div className="month-days">
                  {Array.from({ length: lead }, (_, i) => <span key={`x${i}`} />)}
                  {Array.from({ length: days }, (_, i) => {
                    const date = `${year}-${pad(m + 1)}-${pad(i + 1)}`;
                    const mark = marks.get(date);
                    const weekend = (lead + i) % 7 >= 5;
                    return <span key={date} className={mark?.cls ?? (weekend ? 'day-weekend' : '')} title={mark ? `${date} · ${mark.label}` : date} data-date={date}>{i + 1}</span>;
                  })}
                </div>
              </div>
            );
          })}
        </div>
      )}
      {data && (
        <div className="admin-cols">
          <div className="card">
            <h3>{t('adm.cal.holidays')}</h3>
            <ul className="plain" data-testid="cal-holidays">
              {data.holidays.map((h) => <li key={h.date} data-date={h.date}>{h.date} · {i18n.pick(h.name_vi, h.name_en)}</li>)}
            </ul>
            <h3>{t('adm.cal.workingWeekends')}</h3>
            {data.makeUpWorkingDays.length === 0 ? <p className="hint">—</p> : (
              <ul className="plain" data-testid="cal-workdays">
                {data.makeUpWorkingDays.map((w) => <li key={w.date} data-date={w.date}>{w.date} · {i18n.pick(w.reason, w.reason_en ?? w.reason)}</li>)}
              </ul>
            )}
          </div>
          <div className="card">
            <h3>{t('adm.cal.adminDays')}</h3>
            {data.adminDays.length === 0 ? <p className="hint" data-testid="cal-admin-empty">—</p> : (
              <ul className="plain" data-testid="cal-admin-days">
                {data.adminDays.map((d) => (
                  <li key={d.date} data-testid="cal-admin-day" data-date={d.date}>
                    {d.date} · {t(d.kind === 'day_off' ? 'adm.cal.dayOff' : 'adm.cal.workingDay')} · {d.reason}
                    {canEdit && (
                      <button type="button" className="link danger" disabled={busy} data-testid="cal-remove"
                        onClick={() => { if (confirm(`${t('adm.cal.removeConfirm')} ${d.date}?`)) void run(() => adminApi.del(`/api/v1/sla/calendar/days/${d.date}`)); }}>
                        {t('adm.delete')}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {canEdit && (
              <form onSubmit={add} data-testid="cal-form">
                <h3>{t('adm.cal.add')}</h3>
                <label>{t('adm.cal.date')}<input type="date" required value={form.date} onChange={(e) => setForm((f) => ({ ...f, date: e.target.value }))} data-testid="cal-date" /></label>
                <label>{t('adm.cal.kind')}
                  <select value={form.kind} onChange={(e) => setForm((f) => ({ ...f, kind: e.target.value as CalendarDayKind }))} data-testid="cal-kind">
                    <option value="day_off">{t('adm.cal.dayOff')}</option>
                    <option value="working_day">{t('adm.cal.workingDay')}</option>
                  </select>
                </label>
                <label>{t('adm.cal.reason')}<input required value={form.reason} onChange={(e) => setForm((f) => ({ ...f, reason: e.target.value }))} data-testid="cal-reason" /></label>
                <button type="submit" className="primary" disabled={busy} data-testid="cal-submit">{t('adm.cal.add')}</button>
              </form>
            )}
            <ErrorLine error={formError} testId="cal-error" />
          </div>
        </div>
      )}
    </div>
  );
}
