import { useEffect, useRef, useState } from 'react';
import { api, type ListItem, type User } from './api';
import { errorText, SEES_ALL } from './shared';
import { dateTime, relativeTime, useI18n, type MessageKey } from './i18n';
import type { LiveState } from './live';
import { linkProps, navigate } from './router';

type Counts = { byStatus: Record<string, number> };
type ListPage = { items: ListItem[]; total: number; page: number; pageSize: number };

/** Tickets an agency holds and still has to act on. */
const OPEN = ['assigned', 'in_progress', 'transferred', 'reopened', 'waiting_for_citizen'];
const dueAt = (t: ListItem) => (t.slaResolutionDueAt ? new Date(t.slaResolutionDueAt).getTime() : null);

type QueueDef = {
  id: string;
  label: MessageKey;
  /** Query of GET /api/v1/tickets (and of /counts, for its number) for this queue. */
  params: Record<string, string>;
};

const OPERATOR_QUEUES: QueueDef[] = [
  { id: 'review', label: 'q.review', params: { needsReview: 'true' } },
  { id: 'new', label: 'q.new', params: { status: 'received' } },
  { id: 'unsure', label: 'q.lowConfidence', params: { reviewReason: 'low_confidence' } },
  { id: 'duplicates', label: 'q.duplicates', params: { reviewReason: 'probable_duplicate' } },
  { id: 'returned', label: 'q.returned', params: { status: 'returned' } },
];
const AGENCY_QUEUES: QueueDef[] = [
  { id: 'new', label: 'q.agencyNew', params: { status: 'assigned,transferred,reopened' } },
  { id: 'mine', label: 'q.mine', params: { assignee: 'me', status: OPEN.join(',') } },
  // Deadline queues: the API filters on the resolution deadline (paused clocks excluded), nearest first.
  { id: 'due', label: 'q.dueSoon', params: { due: 'soon', sort: 'due' } },
  { id: 'overdue', label: 'q.overdue', params: { due: 'overdue', sort: 'due' } },
  { id: 'waiting', label: 'q.waiting', params: { status: 'waiting_for_citizen' } },
];

const sum = (c: Record<string, number>, statuses: string[]) => statuses.reduce((n, s) => n + (c[s] ?? 0), 0);
const qs = (p: Record<string, string>) => new URLSearchParams(p).toString();

export function Queues({ user, queue, live }: { user: User; queue: string | null; live: LiveState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const defs = SEES_ALL.has(user.role) ? OPERATOR_QUEUES : AGENCY_QUEUES;
  const def = defs.find((d) => d.id === queue) ?? defs[0]!;
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [list, setList] = useState<ListPage | null>(null);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);

  // Typing settles before a search goes out.
  useEffect(() => {
    const h = setTimeout(() => { setQ(search.trim()); setPage(1); }, 300);
    return () => clearTimeout(h);
  }, [search]);
  useEffect(() => setPage(1), [def.id]);

  useEffect(() => {
    const mine = ++seq.current;
    const withQ = (p: Record<string, string>) => (q ? { ...p, q } : p);
    const listReq = api.get<ListPage>(`/api/v1/tickets?${qs(withQ({ ...def.params, page: String(page), pageSize: '25' }))}`);
    const countsReq = SEES_ALL.has(user.role)
      ? Promise.all([
        api.get<Counts>('/api/v1/tickets/counts'),
        api.get<Counts & { total: number }>('/api/v1/tickets/counts?needsReview=true'),
      ]).then(([c, review]) => ({ review: review.total, new: c.byStatus.received ?? 0, returned: c.byStatus.returned ?? 0 }))
      : Promise.all([
        api.get<Counts>('/api/v1/tickets/counts'),
        api.get<Counts>('/api/v1/tickets/counts?assignee=me'),
        api.get<Counts & { total: number }>('/api/v1/tickets/counts?due=soon'),
        api.get<Counts & { total: number }>('/api/v1/tickets/counts?due=overdue'),
      ]).then(([c, mine, soon, overdue]) => ({
        new: sum(c.byStatus, ['assigned', 'transferred', 'reopened']),
        mine: sum(mine.byStatus, OPEN),
        due: soon.total,
        overdue: overdue.total,
        waiting: c.byStatus.waiting_for_citizen ?? 0,
      }));
    Promise.all([listReq, countsReq]).then(([l, c]) => {
      if (mine !== seq.current) return;
      setList(l);
      setCounts(c);
      setError(null);
    }, (e) => { if (mine === seq.current) setError(errorText(e, i18n)); });
  }, [def, q, page, user.role, live.tick, i18n]);

  const pages = list ? Math.max(1, Math.ceil(list.total / list.pageSize)) : 1;
  const now = Date.now();
  return (
    <section className="queues" data-testid="queues" data-queue={def.id}>
      <div className="queue-bar">
        <nav className="tabs" aria-label={t('queues')}>
          {defs.map((d) => (
            <a key={d.id} className={d.id === def.id ? 'tab active' : 'tab'} {...linkProps({ name: 'queues', queue: d.id })}
              data-testid={`queue-${d.id}`} aria-current={d.id === def.id ? 'page' : undefined}>
              {t(d.label)} <span className="count" data-testid={`queue-count-${d.id}`}>{counts[d.id] ?? '…'}</span>
            </a>
          ))}
        </nav>
        <input type="search" className="search" placeholder={t('search')} value={search}
          onChange={(e) => setSearch(e.target.value)} data-testid="search" aria-label={t('search')} />
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!list ? <p>{t('loading')}</p> : list.items.length === 0 ? <p className="empty" data-testid="queue-empty">{t('noTickets')}</p> : (
        <div className="table-box"><table className="tickets" data-testid="ticket-table">
          <thead>
            <tr>
              <th>{t('col.code')}</th><th>{t('col.created')}</th><th>{t('col.channel')}</th><th>{t('col.category')}</th>
              <th>{t('col.priority')}</th><th>{t('col.status')}</th><th>{t('col.agency')}</th><th>{t('col.sla')}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((x) => {
              const due = dueAt(x);
              return (
                <tr key={x.code} data-testid="ticket-row" data-code={x.code} className={x.priority === 'urgent' ? 'row-urgent' : undefined}
                  onClick={(e) => { if (!(e.target instanceof HTMLAnchorElement)) navigate({ name: 'ticket', code: x.code }); }}>
                  <td><a {...linkProps({ name: 'ticket', code: x.code })}>{x.code}</a></td>
                  <td title={dateTime(x.createdAt, i18n.lang)}>{relativeTime(x.createdAt, i18n.lang, now)}</td>
                  <td>{i18n.code(x.channel)}</td>
                  <td>{x.categoryName ?? x.categoryCode ?? '—'}</td>
                  <td><span className={`prio prio-${x.priority}`}>{i18n.code(x.priority)}</span></td>
                  <td><span className={`status st-${x.status}`}>{i18n.code(x.status)}</span></td>
                  <td>{x.agencyName ?? t('unassigned')}</td>
                  <td className={due !== null && due < now ? 'overdue' : ''} data-testid="sla-cell">
                    {x.slaResolutionDueAt ? relativeTime(x.slaResolutionDueAt, i18n.lang, now) : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table></div>
      )}
      {list && pages > 1 && (
        <div className="pager">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>{t('prev')}</button>
          <span>{t('page')} {page}/{pages}</span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>{t('next')}</button>
        </div>
      )}
    </section>
  );
}
