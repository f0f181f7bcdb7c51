import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api, ApiError, ticketUrl, type Message, type TicketDetail, type TicketEvent, type User } from './api';
import { Actions, type TriageChoice } from './Actions';
import { dateTime, relativeTime, useI18n } from './i18n';
import type { LiveState } from './live';
import { LocationMap } from './LocationMap';
import { linkProps } from './router';
import { errorText, type Reference } from './shared';

type Load = { state: 'loading' } | { state: 'missing' } | { state: 'error'; message: string } | { state: 'ok'; ticket: TicketDetail };

const OUTCOMES = ['on_time', 'late', 'late_with_extension'] as const;
const isOutcome = (o: string): o is (typeof OUTCOMES)[number] => (OUTCOMES as readonly string[]).includes(o);

/** Keeps countdowns moving without a reload. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(h);
  }, [everyMs]);
  return now;
}

export function TicketView({ code, user, refData, live }: { code: string; user: User; refData: Reference; live: LiveState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [triage, setTriage] = useState<TriageChoice>({ category: '', priority: 'normal' });
  const rootRef = useRef<HTMLElement>(null);
  const seq = useRef(0);
  const now = useNow(30_000);

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const ticket = await api.get<TicketDetail>(ticketUrl(code));
      if (mine === seq.current) setLoad({ state: 'ok', ticket });
    } catch (e) {
      if (mine !== seq.current) return;
      // 404 is also what another agency's ticket answers: the console does not tell the two apart.
      setLoad(e instanceof ApiError && e.status === 404 ? { state: 'missing' } : { state: 'error', message: errorText(e, i18n) });
    }
  }, [code, i18n]);

  useEffect(() => { void reload(); }, [reload]);
  // A live event about this ticket: read it again (debounced upstream).
  useEffect(() => {
    if (live.tick > 0 && live.codes.has(code)) void reload();
  }, [live.tick, live.codes, code, reload]);

  const ticket = load.state === 'ok' ? load.ticket : null;
  const canTriage = !!ticket?.allowedActions.includes('triage');
  // The classifier's suggestion prefills triage once per ticket status, not on every reload (a live
  // refresh must not undo what the operator picked), hence the narrow dependencies.
  useEffect(() => {
    if (!ticket || !canTriage) return;
    setTriage({
      category: ticket.categoryCode ?? ticket.classification?.category ?? '',
      priority: ticket.classification?.priority ?? ticket.priority,
    });
    // Focus on the ticket, so Enter confirms the suggestion at once.
    rootRef.current?.focus();
  }, [ticket?.code, ticket?.status, canTriage]);

  const actionsRef = useRef<{ confirmTriage: () => void } | null>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Enter' && e.target === e.currentTarget && canTriage) {
      e.preventDefault();
      actionsRef.current?.confirmTriage();
    }
  };

  if (load.state === 'loading') return <p>{t('loading')}</p>;
  if (load.state === 'missing') {
    return (
      <section className="card" data-testid="not-found">
        <h2>{t('notFound')}</h2>
        <p>{code}</p>
        <a {...linkProps({ name: 'queues', queue: null })}>{t('back')}</a>
      </section>
    );
  }
  if (load.state === 'error') return <p className="error" role="alert">{load.message} <button type="button" onClick={() => void reload()}>{t('retry')}</button></p>;
  const tk = load.ticket;
  const agency = refData.agencies.find((a) => a.id === tk.agencyId);
  const category = refData.categories.find((c) => c.code === tk.categoryCode);
  const due = tk.slaResolutionDueAt ? new Date(tk.slaResolutionDueAt).getTime() : null;
  const finished = ['resolved', 'closed', 'rejected', 'merged'].includes(tk.status);
  const running = !finished && tk.status !== 'waiting_for_citizen';
  const assignee = tk.assigneeId === null ? t('nobody') : refData.staffNames.get(tk.assigneeId) ?? `#${tk.assigneeId}`;

  return (
    <article className="ticket" tabIndex={-1} ref={rootRef} onKeyDown={onKeyDown} data-testid="ticket-view" data-code={tk.code} data-status={tk.status}>
      <a className="back" {...linkProps({ name: 'queues', queue: null })}>{t('back')}</a>
      <header className="ticket-head card">
        <h2 data-testid="ticket-code">{tk.code}</h2>
        <span className={`status st-${tk.status}`} data-testid="ticket-status">{i18n.code(tk.status)}</span>
        <span className={`prio prio-${tk.priority}`} data-testid="ticket-priority">{i18n.code(tk.priority)}</span>
        <dl>
          <dt>{t('category')}</dt><dd data-testid="ticket-category">{category ? i18n.pick(category.nameVi, category.nameEn) : tk.categoryCode ?? '—'}</dd>
          <dt>{t('agency')}</dt><dd data-testid="ticket-agency">{agency ? i18n.pick(agency.nameVi, agency.nameEn) : t('unassigned')}</dd>
          <dt>{t('assignee')}</dt><dd data-testid="ticket-assignee">{assignee}</dd>
          <dt>{t('col.channel')}</dt><dd>{i18n.code(tk.channel)}</dd>
          <dt>{t('col.created')}</dt><dd>{dateTime(tk.createdAt, i18n.lang)}</dd>
          <dt>{t('sla')}</dt>
          <dd data-testid="ticket-sla" className={running && due !== null && due < now ? 'overdue' : ''}>
            {finished
              // A finished ticket has an outcome, not a countdown.
              ? (tk.slaOutcome && isOutcome(tk.slaOutcome) ? t(`sla.${tk.slaOutcome}`) : t('slaDone'))
              : tk.status === 'waiting_for_citizen' ? t('slaPaused')
                : due === null ? t('slaNone') : <>{relativeTime(tk.slaResolutionDueAt!, i18n.lang, now)} <small>({dateTime(tk.slaResolutionDueAt!, i18n.lang)})</small></>}
          </dd>
        </dl>
        {tk.mergedIntoCode && <p>{t('mergedInto')} <a {...linkProps({ name: 'ticket', code: tk.mergedIntoCode })}>{tk.mergedIntoCode}</a></p>}
        {tk.mergedCodes.length > 0 && <p>{t('mergedFrom')}: {tk.mergedCodes.map((c) => <a key={c} className="chip" {...linkProps({ name: 'ticket', code: c })}>{c}</a>)}</p>}
      </header>

      <div className="ticket-grid">
        <div className="ticket-main">
          <section className="card">
            <h3>{t('description')}</h3>
            <p className="description" data-testid="ticket-description">{tk.description}</p>
            {tk.resolution && <><h3>{t('resolvedAnswer')}</h3><p className="description" data-testid="ticket-resolution">{tk.resolution}</p></>}
          </section>
          <Timeline messages={tk.messages} events={tk.events} staffNames={refData.staffNames} />
          <ReplyForm code={tk.code} onSent={reload} />
        </div>
        <aside className="ticket-side">
          <Actions ref={actionsRef} ticket={tk} user={user} refData={refData} triage={triage} setTriage={setTriage}
            onDone={async () => { await reload(); rootRef.current?.focus(); }} />
          <Explanation ticket={tk} refData={refData} />
          <section className="card" data-testid="citizen">
            <h3>{t('citizen')}{tk.citizen.masked && <small> ({t('masked')})</small>}</h3>
            <p>{tk.citizen.displayName ?? '—'}</p>
            {tk.citizen.phone && <p>☎ {tk.citizen.phone}</p>}
            {tk.citizen.email && <p>✉ {tk.citizen.email}</p>}
          </section>
          <section className="card" data-testid="location">
            <h3>{t('location')}</h3>
            {tk.address && <p>{tk.address}</p>}
            {tk.locationLat !== null && tk.locationLng !== null ? (
              <p>
                {tk.locationLat.toFixed(5)}, {tk.locationLng.toFixed(5)}{' '}
                <a href={`https://www.openstreetmap.org/?mlat=${tk.locationLat}&mlon=${tk.locationLng}#map=17/${tk.locationLat}/${tk.locationLng}`}
                  target="_blank" rel="noreferrer noopener" data-testid="osm-link">{t('openMap')}</a>
              </p>
            ) : !tk.address && <p>{t('noLocation')}</p>}
            <LocationMap communeCode={tk.communeCode} lat={tk.locationLat} lng={tk.locationLng} priority={tk.priority} />
          </section>
        </aside>
      </div>
    </article>
  );
}

function Explanation({ ticket, refData }: { ticket: TicketDetail; refData: Reference }) {
  const i18n = useI18n();
  const { t } = i18n;
  const c = ticket.classification;
  const r = ticket.routing;
  const catName = (code: string) => {
    const cat = refData.categories.find((x) => x.code === code);
    return cat ? i18n.pick(cat.nameVi, cat.nameEn) : code;
  };
  if (!c && !r && ticket.reviewReasons.length === 0) return null;
  return (
    <section className="card explain" data-testid="classification">
      <h3>{t('classifier')}</h3>
      {c && (
        <>
          <p>{catName(c.category)} <small>({t('confidence')} {Math.round(c.confidence * 100)}%)</small></p>
          <p>{t('priority')}: {i18n.code(c.priority)} <small>({t('confidence')} {Math.round(c.priorityConfidence * 100)}%)</small></p>
          {c.terms.length > 0 && <p>{t('terms')}: {c.terms.map((w) => <span key={w} className="chip">{w}</span>)}</p>}
          {c.urgentSignals.length > 0 && <p className="danger">{t('urgentSignals')}: {c.urgentSignals.join(', ')}</p>}
          {c.alternatives.length > 0 && (
            <p>{t('alternatives')}: {c.alternatives.map((a) => `${catName(a.category)} ${Math.round(a.confidence * 100)}%`).join(' · ')}</p>
          )}
        </>
      )}
      {r && <p><strong>{t('routing')}:</strong> {i18n.pick(r.reasonVi, r.reasonEn)}{r.areaDetail ? ` — ${r.areaDetail}` : ''}</p>}
      {ticket.reviewReasons.length > 0 && (
        <div data-testid="review-reasons">
          <strong>{t('reviewReasons')}:</strong>
          <ul>{ticket.reviewReasons.map((x) => <li key={x}>{i18n.code(x)}</li>)}</ul>
        </div>
      )}
    </section>
  );
}

type Item = { kind: 'message'; at: number; m: Message } | { kind: 'event'; at: number; e: TicketEvent };

/** Messages and workflow events in one list, oldest first. */
function Timeline({ messages, events, staffNames }: { messages: Message[]; events: TicketEvent[]; staffNames: ReadonlyMap<number, string> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const items: Item[] = [
    ...messages.map((m): Item => ({ kind: 'message', at: new Date(m.createdAt).getTime(), m })),
    ...events.map((e): Item => ({ kind: 'event', at: new Date(e.at).getTime(), e })),
  ].sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'event' ? -1 : 1));
  const actor = (kind: string, id: number | null) =>
    kind === 'system' ? t('system') : kind === 'citizen' ? t('citizen') : (id !== null && staffNames.get(id)) || `${t('staff')} #${id}`;
  return (
    <section className="card" data-testid="timeline">
      <h3>{t('timeline')}</h3>
      <ol className="timeline">
        {items.map((it) => it.kind === 'message' ? (
          <li key={`m${it.m.id}`} data-testid="timeline-message" data-direction={it.m.direction} data-visibility={it.m.visibility}
            className={`msg ${it.m.visibility === 'internal' ? 'internal' : it.m.direction}`}>
            <div className="meta">
              <strong>{it.m.visibility === 'internal' ? t('internalNote') : it.m.direction === 'inbound' ? t('inbound') : t('outbound')}</strong>
              {' · '}{i18n.code(it.m.channel)}{' · '}{dateTime(it.m.createdAt, i18n.lang)}
              {it.m.authorStaffId !== null && <> · {actor('staff', it.m.authorStaffId)}</>}
              {it.m.visibility === 'public' && (
                <span className={`delivery d-${it.m.deliveryStatus}`} data-testid="delivery-status" data-status={it.m.deliveryStatus}
                  title={it.m.deliveryError ?? undefined}>{i18n.code(`d.${it.m.deliveryStatus}`)}</span>
              )}
            </div>
            <p className="body">{it.m.body}</p>
            {it.m.attachments.map((a) => {
              const src = `/api/v1/attachments/${encodeURIComponent(a.id)}`;
              return a.contentType.startsWith('image/') ? <a key={a.id} href={src} target="_blank" rel="noreferrer"><img className="att" src={src} alt={a.fileName} loading="lazy" /></a>
                : a.contentType.startsWith('audio/') ? <audio key={a.id} controls preload="none" src={src} data-testid="audio-attachment" />
                  : <a key={a.id} href={src} className="chip">{t('attachment')}: {a.fileName}</a>;
            })}
          </li>
        ) : (
          <li key={`e${it.e.id}`} className="event" data-testid="timeline-event" data-type={it.e.type}>
            <span className="meta">{dateTime(it.e.at, i18n.lang)} · {actor(it.e.actorKind, it.e.actorId)}</span>{' '}
            <strong>{i18n.event(it.e.type)}</strong>
            {it.e.toStatus && it.e.toStatus !== it.e.fromStatus && <> → {i18n.code(it.e.toStatus)}</>}
            {(['reason', 'note', 'message', 'resolution'] as const).map((k) =>
              typeof it.e.data[k] === 'string' ? <span key={k} className="event-text">: {it.e.data[k] as string}</span> : null)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function ReplyForm({ code, onSent }: { code: string; onSent: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [body, setBody] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'internal'>('public');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`${ticketUrl(code)}/messages`, { body, visibility });
      setBody('');
      await onSent();
    } catch (err) {
      setError(errorText(err, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card reply" onSubmit={send} data-testid="reply-form">
      <h3>{t('reply')}</h3>
      <div className="radios">
        <label><input type="radio" name="vis" checked={visibility === 'public'} onChange={() => setVisibility('public')} data-testid="reply-public" /> {t('visPublic')}</label>
        <label><input type="radio" name="vis" checked={visibility === 'internal'} onChange={() => setVisibility('internal')} data-testid="reply-internal" /> {t('visInternal')}</label>
      </div>
      <textarea required rows={3} value={body} onChange={(e) => setBody(e.target.value)} aria-label={t('replyBody')} data-testid="reply-body" />
      {error && <p className="error" role="alert" data-testid="reply-error">{error}</p>}
      <button type="submit" className="primary" disabled={busy || !body.trim()} data-testid="reply-send">{t('send')}</button>
    </form>
  );
}

