import { useCallback, useEffect, useState } from 'react';
import { api, type Notice } from './api';
import { dateTime, useI18n } from './i18n';
import { linkProps } from './router';
import { errorText } from './shared';

type NoticeList = { items: Notice[]; unread: number };

/** The bell: unread count always, the list (newest first) when opened. */
export function Notices({ tick }: { tick: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [unread, setUnread] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<Notice[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const r = await api.get<NoticeList>(open ? '/api/v1/notifications' : '/api/v1/notifications?unread=true');
      setUnread(r.unread);
      if (open) setList(r.items);
      setError(null);
    } catch (e) {
      setError(errorText(e, i18n));
    }
  }, [open, i18n]);

  // Live events (SLA warnings, urgent reports) create notices; a slow poll covers a dropped socket.
  useEffect(() => { void refresh(); }, [refresh, tick]);
  useEffect(() => {
    const h = setInterval(() => void refresh(), 60_000);
    return () => clearInterval(h);
  }, [refresh]);

  const mark = async (url: string) => {
    try {
      await api.post(url);
      await refresh();
    } catch (e) {
      setError(errorText(e, i18n));
    }
  };

  return (
    <div className="bell-wrap">
      <button type="button" className="bell" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="bell">
        {t('notices')} <span className={unread ? 'badge' : 'badge zero'} data-testid="bell-count">{unread ?? '…'}</span>
      </button>
      {open && (
        <div className="notices card" data-testid="notices">
          <div className="notices-head">
            <strong>{t('notices')}</strong>
            {!!unread && <button type="button" className="link" onClick={() => void mark('/api/v1/notifications/read-all')} data-testid="notices-read-all">{t('markAllRead')}</button>}
          </div>
          {error && <p className="error">{error}</p>}
          {!list ? <p>{t('loading')}</p> : list.length === 0 ? <p className="hint">{t('noNotices')}</p> : (
            <ul>
              {list.map((n) => (
                <li key={n.id} className={n.readAt ? 'read' : 'unread'} data-testid="notice" data-kind={n.kind}>
                  <small>{dateTime(n.createdAt, i18n.lang)}</small>
                  <p>{n.body}</p>
                  {n.ticketCode && <a {...linkProps({ name: 'ticket', code: n.ticketCode })} onClickCapture={() => setOpen(false)}>{n.ticketCode}</a>}
                  {!n.readAt && <button type="button" className="link" onClick={() => void mark(`/api/v1/notifications/${n.id}/read`)} data-testid="notice-read">{t('markRead')}</button>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
