import type { Database, Queryable } from './database';
import { SqlStoreTx } from './ticket-store';
import type { Survey } from '../satisfaction/survey';
import type { SurveyRunner, SurveyTx, SurveyView } from '../satisfaction/survey-service';

type SurveyRow = {
  id: number; ticket_id: number; round: number; token: string; channel: string; sent_at: Date; remind_at: Date | null;
  reminded_at: Date | null; expires_at: Date; status: Survey['status']; answered_at: Date | null; satisfied: boolean | null;
  score: number | null; comment: string | null; answer_ref: string | null; reopen_requested_at: Date | null;
};

const surveyOf = (r: SurveyRow): Survey => ({
  id: Number(r.id), ticketId: Number(r.ticket_id), round: r.round, token: r.token, channel: r.channel, sentAt: r.sent_at,
  remindAt: r.remind_at, remindedAt: r.reminded_at, expiresAt: r.expires_at, status: r.status, answeredAt: r.answered_at,
  satisfied: r.satisfied, score: r.score, comment: r.comment, answerRef: r.answer_ref, reopenRequestedAt: r.reopen_requested_at,
});

const COLS = 's.id, s.ticket_id, s.round, s.token, s.channel, s.sent_at, s.remind_at, s.reminded_at, s.expires_at, s.status, ' +
  's.answered_at, s.satisfied, s.score, s.comment, s.answer_ref, s.reopen_requested_at';

type ViewRow = SurveyRow & {
  code: string; ticket_status: string; citizen_id: number; agency_id: number | null; survey_reopens: number;
  category_name: string | null; agency_name: string | null; resolution: string | null; resolved_at: Date | null;
};

const VIEW_SQL = `SELECT ${COLS}, t.code, t.status AS ticket_status, t.citizen_id, t.agency_id, t.survey_reopens,
    c.name_vi AS category_name, a.name_vi AS agency_name, t.resolution, t.resolved_at
  FROM satisfaction_surveys s JOIN tickets t ON t.id = s.ticket_id
  LEFT JOIN categories c ON c.code = t.category_code LEFT JOIN agencies a ON a.id = t.agency_id`;

const viewOf = (r: ViewRow): SurveyView => ({
  survey: surveyOf(r),
  ticket: {
    id: Number(r.ticket_id), code: r.code, status: r.ticket_status, citizenId: Number(r.citizen_id),
    agencyId: r.agency_id === null ? null : Number(r.agency_id), surveyReopens: r.survey_reopens,
    categoryName: r.category_name, agencyName: r.agency_name, resolution: r.resolution, resolvedAt: r.resolved_at,
  },
});

/** SQL of the satisfaction surveys, inside the caller's transaction. */
export class SqlSurveyTx implements SurveyTx {
  constructor(private readonly q: Queryable) {}

  async viewByToken(token: string, lock: boolean): Promise<SurveyView | null> {
    const rows = await this.q.query<ViewRow>(`${VIEW_SQL} WHERE s.token = $1${lock ? ' FOR UPDATE OF s' : ''}`, [token]);
    return rows[0] ? viewOf(rows[0]) : null;
  }

  async viewById(id: number): Promise<SurveyView | null> {
    const rows = await this.q.query<ViewRow>(`${VIEW_SQL} WHERE s.id = $1`, [id]);
    return rows[0] ? viewOf(rows[0]) : null;
  }

  async resolutionRound(ticketId: number): Promise<number> {
    const rows = await this.q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1 AND type = 'resolve'`, [ticketId]);
    return Math.max(1, rows[0]?.n ?? 1);
  }

  async citizenOptedOut(citizenId: number): Promise<boolean> {
    const rows = await this.q.query<{ out: boolean }>('SELECT survey_opted_out AS out FROM citizens WHERE id = $1', [citizenId]);
    return rows[0]?.out ?? false;
  }

  async surveyOfRound(ticketId: number, round: number): Promise<Survey | null> {
    const rows = await this.q.query<SurveyRow>(`SELECT ${COLS} FROM satisfaction_surveys s WHERE s.ticket_id = $1 AND s.round = $2`, [ticketId, round]);
    return rows[0] ? surveyOf(rows[0]) : null;
  }

  async cancelOpen(ticketId: number): Promise<number> {
    const rows = await this.q.query<{ id: number }>(
      `UPDATE satisfaction_surveys SET status = 'cancelled' WHERE ticket_id = $1 AND status = 'sent' RETURNING id`, [ticketId]);
    return rows.length;
  }

  async cancelOpenOfCitizen(citizenId: number): Promise<number> {
    const rows = await this.q.query<{ id: number }>(
      `UPDATE satisfaction_surveys s SET status = 'cancelled' FROM tickets t
       WHERE t.id = s.ticket_id AND t.citizen_id = $1 AND s.status = 'sent' RETURNING s.id`, [citizenId]);
    return rows.length;
  }

  async insert(s: { ticketId: number; round: number; token: string; channel: string; sentAt: Date; remindAt: Date | null; expiresAt: Date }): Promise<Survey | null> {
    const rows = await this.q.query<SurveyRow>(
      `INSERT INTO satisfaction_surveys AS s (ticket_id, round, token, channel, sent_at, remind_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ticket_id, round) DO NOTHING RETURNING ${COLS}`,
      [s.ticketId, s.round, s.token, s.channel, s.sentAt, s.remindAt, s.expiresAt]);
    return rows[0] ? surveyOf(rows[0]) : null;
  }

  async saveAnswer(id: number, a: { satisfied: boolean; score: number | null; comment: string | null; channel: string; ref: string | null; at: Date }): Promise<void> {
    await this.q.query(
      `UPDATE satisfaction_surveys SET status = 'answered', answered_at = $2, satisfied = $3, score = $4, comment = $5,
         answer_channel = $6, answer_ref = $7 WHERE id = $1`,
      [id, a.at, a.satisfied, a.score, a.comment, a.channel, a.ref]);
  }

  async setTicketSatisfaction(ticketId: number, satisfied: boolean, score: number | null, at: Date): Promise<void> {
    await this.q.query(
      `UPDATE tickets SET satisfaction_satisfied = $2, satisfaction_score = $3, satisfaction_answered_at = $4 WHERE id = $1`,
      [ticketId, satisfied, score, at]);
  }

  async markReopenRequested(id: number, ticketId: number, at: Date): Promise<void> {
    await this.q.query('UPDATE satisfaction_surveys SET reopen_requested_at = $2 WHERE id = $1', [id, at]);
    await this.q.query('UPDATE tickets SET survey_reopens = survey_reopens + 1 WHERE id = $1', [ticketId]);
  }

  async setOptOut(citizenId: number, optedOut: boolean): Promise<void> {
    await this.q.query('UPDATE citizens SET survey_opted_out = $2 WHERE id = $1', [citizenId, optedOut]);
  }

  async leadsOf(agencyId: number | null): Promise<number[]> {
    // The agency's leads; supervisors too when the ticket has no agency (or the agency has no lead).
    const leads = agencyId === null ? [] : await this.q.query<{ id: number }>(
      `SELECT id FROM staff_users WHERE active AND role = 'agency_lead' AND agency_id = $1`, [agencyId]);
    if (leads.length) return leads.map((r) => Number(r.id));
    return (await this.q.query<{ id: number }>(`SELECT id FROM staff_users WHERE active AND role = 'supervisor'`)).map((r) => Number(r.id));
  }

  async latestOfIdentity(identity: { kind: string; value: string }, since: Date): Promise<SurveyView | null> {
    const rows = await this.q.query<ViewRow>(
      `${VIEW_SQL} WHERE t.citizen_id IN (SELECT citizen_id FROM citizen_identities WHERE kind = $1 AND value = $2)
         AND s.sent_at >= $3 AND s.status <> 'cancelled'
       ORDER BY s.sent_at DESC, s.id DESC LIMIT 1`, [identity.kind, identity.value, since]);
    return rows[0] ? viewOf(rows[0]) : null;
  }

  async citizenOfIdentity(identity: { kind: string; value: string }): Promise<number | null> {
    const rows = await this.q.query<{ citizen_id: number }>(
      'SELECT citizen_id FROM citizen_identities WHERE kind = $1 AND value = $2 LIMIT 1', [identity.kind, identity.value]);
    return rows[0] ? Number(rows[0].citizen_id) : null;
  }

  async dueReminders(now: Date, limit: number): Promise<Survey[]> {
    const rows = await this.q.query<SurveyRow>(
      `SELECT ${COLS} FROM satisfaction_surveys s
       WHERE s.status = 'sent' AND s.reminded_at IS NULL AND s.remind_at IS NOT NULL AND s.remind_at <= $1 AND s.expires_at > $1
       ORDER BY s.remind_at LIMIT $2`, [now, limit]);
    return rows.map(surveyOf);
  }

  async markReminded(id: number, at: Date): Promise<boolean> {
    const rows = await this.q.query<{ id: number }>(
      `UPDATE satisfaction_surveys SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL AND status = 'sent' RETURNING id`, [id, at]);
    return rows.length > 0;
  }
}

export function sqlSurveyRunner(db: Database): SurveyRunner {
  return {
    transaction: (fn) => db.transaction((q) => fn(new SqlSurveyTx(q), new SqlStoreTx(q))),
    read: (fn) => fn(new SqlSurveyTx(db)),
  };
}
