import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, setCsrf, setOnUnauthenticated, type Agency, type Category, type PriorityInfo, type StaffUserInfo, type User } from './api';
import { I18nContext, makeI18n, storeLang, storedLang, useI18n, type Lang } from './i18n';
import { useLive, type LiveEvent } from './live';
import { Admin } from './Admin';
import { Notices } from './Notices';
import { Overview } from './Overview';
import { PhoneForm } from './PhoneForm';
import { Queues } from './Queues';
import { errorText, SEES_ALL, type Reference } from './shared';

/** Roles allowed GET /api/v1/dashboard (src/dashboard/routes.ts). */
const SEES_OVERVIEW: ReadonlySet<string> = new Set(['supervisor', 'admin', 'operator']);
/** Roles with the Quản trị link: admins edit, supervisors read what the API shows them (audits). */
const SEES_ADMIN: ReadonlySet<string> = new Set(['supervisor', 'admin']);
import { linkProps, navigate, useRoute } from './router';
import { TicketView } from './TicketView';


type Session = { state: 'loading' } | { state: 'anonymous' } | { state: 'in'; user: User };

export function App() {
  const [lang, setLang] = useState<Lang>(storedLang);
  const i18n = useMemo(() => makeI18n(lang), [lang]);
  const [session, setSession] = useState<Session>({ state: 'loading' });

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('appTitle');
  }, [lang, i18n]);

  useEffect(() => {
    setOnUnauthenticated(() => { setCsrf(null); setSession({ state: 'anonymous' }); });
    return () => setOnUnauthenticated(null);
  }, []);

  useEffect(() => {
    api.get<{ user: User; csrfToken: string }>('/api/v1/auth/me').then((r) => {
      setCsrf(r.csrfToken);
      setSession({ state: 'in', user: r.user });
    }, () => setSession({ state: 'anonymous' }));
  }, []);

  const switchLang = () => {
    const next = lang === 'vi' ? 'en' : 'vi';
    storeLang(next);
    setLang(next);
  };

  return (
    <I18nContext.Provider value={i18n}>
      {session.state === 'loading' ? null
        : session.state === 'anonymous'
          ? <Login onSwitchLang={switchLang} onIn={(user, csrf) => { setCsrf(csrf); setSession({ state: 'in', user }); }} />
          : <Shell user={session.user} onSwitchLang={switchLang} onOut={() => { setCsrf(null); setSession({ state: 'anonymous' }); }} />}
    </I18nContext.Provider>
  );
}

function Login({ onIn, onSwitchLang }: { onIn: (u: User, csrf: string) => void; onSwitchLang: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ user: User; csrfToken: string }>('/api/v1/auth/login', { email, password });
      onIn(r.user, r.csrfToken);
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} data-testid="login-form">
        <h1>{t('appTitle')}</h1>
        <label>{t('email')}<input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="login-email" autoFocus /></label>
        <label>{t('password')}<input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" /></label>
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">{busy ? t('loggingIn') : t('login')}</button>
        <button type="button" className="link" onClick={onSwitchLang} data-testid="lang-switch">{t('language')}</button>
      </form>
    </main>
  );
}

function Shell({ user, onOut, onSwitchLang }: { user: User; onOut: () => void; onSwitchLang: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const route = useRoute();
  const [ref, setRef] = useState<Reference | null>(null);
  const [refError, setRefError] = useState<string | null>(null);
  const [urgent, setUrgent] = useState<string[]>([]);

  const onUrgent = useCallback((e: LiveEvent) => {
    setUrgent((u) => (u.includes(e.ticket.code) ? u : [...u, e.ticket.code]));
    if ('Notification' in window && Notification.permission === 'granted') {
      new Notification('Phản ánh khẩn cấp / Urgent report', { body: e.ticket.code, tag: `urgent:${e.ticket.code}` });
    }
  }, []);
  const live = useLive(true, onUrgent);

  const loadRef = useCallback(() => {
    setRefError(null);
    Promise.all([
      api.get<{ categories: Category[]; priorities: PriorityInfo[] }>('/api/v1/categories'),
      api.get<{ agencies: Agency[] }>('/api/v1/agencies'),
      // Names only, for display: agency roles get their own agency's and the 1022 centre's colleagues.
      api.get<{ users: StaffUserInfo[] }>('/api/v1/staff-users/directory').then((r) => r.users),
    ]).then(([c, a, staff]) => setRef({
      categories: c.categories, priorities: c.priorities, agencies: a.agencies,
      staffNames: new Map([...staff.map((u): [number, string] => [u.id, u.displayName]), [user.id, user.displayName]]),
    }), (e) => setRefError(errorText(e, i18n)));
  }, [i18n, user.id, user.role, user.displayName]);
  useEffect(loadRef, [loadRef]);

  const logout = async () => {
    try { await api.post('/api/v1/auth/logout'); } catch { /* the session may already be gone: log out locally anyway */ }
    history.replaceState(null, '', '/console/');
    onOut();
  };

  const agencyName = ref?.agencies.find((a) => a.id === user.agencyId);
  const canLogCalls = SEES_ALL.has(user.role);
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" {...linkProps({ name: 'queues', queue: null })}>{t('appTitle')}</a>
        <nav>
          <a {...linkProps({ name: 'queues', queue: null })} data-testid="nav-queues">{t('queues')}</a>
          {canLogCalls && <a {...linkProps({ name: 'phone' })} data-testid="nav-phone">{t('phoneCall')}</a>}
          {SEES_OVERVIEW.has(user.role) && <a {...linkProps({ name: 'overview' })} data-testid="nav-overview">{t('ov.title')}</a>}
          {SEES_ADMIN.has(user.role) && <a {...linkProps({ name: 'admin', tab: 'users' })} data-testid="nav-admin">{t('adm.title')}</a>}
        </nav>
        <span className={live.connected ? 'live on' : 'live off'} data-testid="live-indicator" data-live={live.connected ? 'on' : 'off'}>
          ● {live.connected ? t('live') : t('offline')}
        </span>
        <Notices tick={live.tick} />
        <button type="button" className="link" onClick={onSwitchLang} data-testid="lang-switch">{t('language')}</button>
        <span className="who" data-testid="current-user">
          <strong>{user.displayName}</strong>
          <small data-testid="current-role">{i18n.code(user.role)}{agencyName ? ` · ${i18n.pick(agencyName.nameVi, agencyName.nameEn)}` : ''}</small>
        </span>
        <button type="button" onClick={logout} data-testid="logout">{t('logout')}</button>
      </header>
      {urgent.length > 0 && (
        <div className="urgent-banner" role="alert" data-testid="urgent-banner">
          <strong>{t('urgent')}</strong>
          {urgent.map((code) => (
            <a key={code} {...linkProps({ name: 'ticket', code })} data-testid="urgent-code">{code}</a>
          ))}
          {'Notification' in window && Notification.permission === 'default' && (
            <button type="button" className="link" onClick={() => { void Notification.requestPermission(); }}>{t('enableNotifications')}</button>
          )}
          <button type="button" onClick={() => setUrgent([])} data-testid="urgent-dismiss">{t('dismiss')}</button>
        </div>
      )}
      <main className="content">
        {refError && <p className="error" role="alert">{refError} <button type="button" onClick={loadRef}>{t('retry')}</button></p>}
        {!ref ? (!refError && <p>{t('loading')}</p>)
          : route.name === 'ticket' ? <TicketView key={route.code} code={route.code} user={user} refData={ref} live={live} />
            : route.name === 'phone' && canLogCalls ? <PhoneForm refData={ref} onCreated={(code) => navigate({ name: 'ticket', code })} />
              // Every role may open the URL: the API's 403 message is what agency roles see.
              : route.name === 'overview' ? <Overview refData={ref} live={live} />
              : route.name === 'admin' ? <Admin user={user} tab={route.tab} refData={ref} onRefChanged={loadRef} />
              : <Queues user={user} queue={route.name === 'queues' ? route.queue : null} live={live} />}
      </main>
    </div>
  );
}
