import { randomBytes } from 'node:crypto';
import type { InboundMessage } from '../channels/types';
import type { Interactive } from '../outbound/senders';
import type { Logger } from '../shared/logger';
import { HubError } from '../shared/errors';
import type { Clock, StoreTx } from '../workflow/ports';
import type { WorkflowService } from '../workflow/workflow-service';
import {
  checkAnswer, checkReopen, optedOutText, parseSurveyReply, ratingChoices, REJECTION_TEXT, reopenChoices, reopenedText,
  satisfiedFromScore, surveyPrompt, thanksText, type AnswerRejection, type ReopenRejection, type Survey, type SurveySettings,
} from './survey';

/** A survey with what its page and its answers need of the ticket. */
export type SurveyView = {
  survey: Survey;
  ticket: {
    id: number; code: string; status: string; citizenId: number; agencyId: number | null; surveyReopens: number;
    categoryName: string | null; agencyName: string | null; resolution: string | null; resolvedAt: Date | null;
  };
};

/** Storage of the surveys; SQL in src/db/survey-store.ts. Every method runs in the caller's transaction. */
export interface SurveyTx {
  viewByToken(token: string, lock: boolean): Promise<SurveyView | null>;
  viewById(id: number): Promise<SurveyView | null>;
  /** 1 for a ticket's first resolution, 2 for the next after a reopening, … */
  resolutionRound(ticketId: number): Promise<number>;
  citizenOptedOut(citizenId: number): Promise<boolean>;
  surveyOfRound(ticketId: number, round: number): Promise<Survey | null>;
  cancelOpen(ticketId: number): Promise<number>;
  cancelOpenOfCitizen(citizenId: number): Promise<number>;
  /** Null when this round's survey exists already. */
  insert(s: { ticketId: number; round: number; token: string; channel: string; sentAt: Date; remindAt: Date | null; expiresAt: Date }): Promise<Survey | null>;
  saveAnswer(id: number, a: { satisfied: boolean; score: number | null; comment: string | null; channel: string; ref: string | null; at: Date }): Promise<void>;
  setTicketSatisfaction(ticketId: number, satisfied: boolean, score: number | null, at: Date): Promise<void>;
  markReopenRequested(id: number, ticketId: number, at: Date): Promise<void>;
  setOptOut(citizenId: number, optedOut: boolean): Promise<void>;
  leadsOf(agencyId: number | null): Promise<number[]>;
  latestOfIdentity(identity: { kind: string; value: string }, since: Date): Promise<SurveyView | null>;
  citizenOfIdentity(identity: { kind: string; value: string }): Promise<number | null>;
  dueReminders(now: Date, limit: number): Promise<Survey[]>;
  markReminded(id: number, at: Date): Promise<boolean>;
}

export interface SurveyRunner {
  /** One transaction, with the workflow's store on the same connection (a reopening is a workflow action). */
  transaction<T>(fn: (s: SurveyTx, w: StoreTx) => Promise<T>): Promise<T>;
  read<T>(fn: (s: SurveyTx) => Promise<T>): Promise<T>;
}

/** How the citizen is told: one message per dedupe key on the ticket's channel (the Notifier). */
export interface CitizenMessenger {
  tell(ref: { id: number }, body: string, dedupeKey: string, interactive?: Interactive | null): Promise<boolean>;
}

export type AnswerInput = { score?: number | null; satisfied?: boolean | null; comment?: string | null; reopen?: boolean };
export type AnswerVia = { channel: string; ref: string | null };
export type AnswerResult = { view: SurveyView; repeat: boolean; reopened: boolean; reopenAllowed: boolean };

const DAY_MS = 86_400_000;

const rejection = (why: AnswerRejection | ReopenRejection | 'unknown', status: 'not_found' | 'conflict' | 'gone' = 'conflict') => {
  const t = REJECTION_TEXT[why];
  return new HubError(status, `survey_${why}`, t.vi, t.en);
};

/**
 * Satisfaction surveys: sent on the citizen's channel when a ticket is resolved, answered once
 * (web page, a button, a digit by SMS, a keypad on a call), reminded once, able to reopen the
 * ticket when the citizen is not satisfied. Answers land on the ticket row, which the IOC rollups count.
 */
export class SurveyService {
  constructor(
    private readonly runner: SurveyRunner,
    private readonly workflow: WorkflowService,
    private readonly messenger: CitizenMessenger,
    private readonly clock: Clock,
    private readonly settings: () => SurveySettings,
    private readonly publicBaseUrl: string,
    private readonly log: Logger,
    private readonly newToken: () => string = () => randomBytes(16).toString('base64url'),
  ) {}

  surveyUrl(token: string): string {
    return `${this.publicBaseUrl}/danh-gia/${encodeURIComponent(token)}`;
  }

  /** After a resolution: creates this round's survey once and asks the citizen. Null when none is due. */
  async onResolved(ticketId: number): Promise<Survey | null> {
    const at = this.clock.now();
    const s = this.settings();
    const created = await this.runner.transaction(async (tx, w) => {
      const ticket = await w.lockTicketById(ticketId);
      // Rejected and merged tickets never reach here; a ticket reopened since is not asked about.
      if (!ticket || ticket.status !== 'resolved') return null;
      if (await tx.citizenOptedOut(ticket.citizenId)) return null;
      const round = await tx.resolutionRound(ticket.id);
      const existing = await tx.surveyOfRound(ticket.id, round);
      if (existing) return existing;
      await tx.cancelOpen(ticket.id);
      return tx.insert({
        ticketId: ticket.id, round, token: this.newToken(), channel: ticket.channel, sentAt: at,
        remindAt: s.reminderHours > 0 ? new Date(at.getTime() + s.reminderHours * 3_600_000) : null,
        expiresAt: new Date(at.getTime() + s.answerDays * DAY_MS),
      });
    });
    if (!created || created.status !== 'sent') return created;
    await this.ask(created, false);
    return created;
  }

  private async ask(survey: Survey, reminder: boolean): Promise<void> {
    const view = await this.runner.read((tx) => tx.viewById(survey.id));
    if (!view) return;
    const body = surveyPrompt({ code: view.ticket.code, surveyUrl: this.surveyUrl(survey.token), channel: survey.channel, reminder });
    await this.messenger.tell({ id: survey.ticketId }, body, `survey-${reminder ? 'remind-' : ''}${survey.id}`,
      { choices: ratingChoices(survey.token), surveyToken: survey.token });
  }

  /** Reminds, once, every survey unanswered after the reminder delay. Returns how many were reminded. */
  async remindDue(limit = 100): Promise<number> {
    const now = this.clock.now();
    const due = await this.runner.read((tx) => tx.dueReminders(now, limit));
    let n = 0;
    for (const s of due) {
      // Sent first (idempotent by its dedupe key), then marked: a crash in between reminds once, not never.
      await this.ask(s, true);
      if (await this.runner.transaction((tx) => tx.markReminded(s.id, now))) n++;
    }
    return n;
  }

  async view(token: string): Promise<SurveyView> {
    const v = await this.runner.read((tx) => tx.viewByToken(token, false));
    if (!v) throw rejection('unknown', 'not_found');
    return v;
  }

  /**
   * Records the citizen's answer (single use: a second one is refused, but the same platform
   * message again is the same answer). "Not satisfied" flags the ticket to the agency's leads and,
   * when asked and allowed, reopens it in the same transaction.
   */
  async answer(token: string, input: AnswerInput, via: AnswerVia): Promise<AnswerResult> {
    const at = this.clock.now();
    const settings = this.settings();
    if (input.score == null && input.satisfied == null) {
      throw new HubError('invalid', 'survey_answer_empty', 'Cần chọn mức độ hài lòng (1–5) hoặc hài lòng / không hài lòng.',
        'Give a score (1–5) or satisfied / not satisfied.');
    }
    return this.runner.transaction(async (tx, w) => {
      const view = await tx.viewByToken(token, true);
      if (!view) throw rejection('unknown', 'not_found');
      const check = checkAnswer(view.survey, at, via.ref);
      if (check === 'repeat') return { view, repeat: true, reopened: false, reopenAllowed: false };
      if (check !== 'ok') throw rejection(check, check === 'expired' ? 'gone' : 'conflict');
      const score = input.score ?? null;
      const satisfied = input.satisfied ?? satisfiedFromScore(score!);
      const comment = input.comment?.trim() ? input.comment.trim().slice(0, 2000) : null;
      await tx.saveAnswer(view.survey.id, { satisfied, score, comment, channel: via.channel, ref: via.ref, at });
      await tx.setTicketSatisfaction(view.ticket.id, satisfied, score, at);
      await w.appendEvent({
        ticketId: view.ticket.id, at, actorKind: 'citizen', actorId: view.ticket.citizenId, type: 'survey_answered',
        fromStatus: null, toStatus: null, data: { round: view.survey.round, satisfied, score, comment, via: via.channel },
      });
      if (!satisfied) await this.flagToLeads(tx, w, view, score, comment, at);
      const answered: SurveyView = { ...view, survey: { ...view.survey, status: 'answered', satisfied, score, comment, answeredAt: at, answerRef: via.ref } };
      const reopenAllowed = checkReopen(answered.survey, view.ticket, settings, at) === 'ok';
      // Asked to reopen but not allowed (limit reached): the answer still counts, the ticket stays as it is.
      let reopened = false;
      if (input.reopen && reopenAllowed) {
        await this.reopenIn(tx, w, answered, at, settings);
        reopened = true;
      }
      return { view: answered, repeat: false, reopened, reopenAllowed: reopenAllowed && !reopened };
    });
  }

  private async flagToLeads(tx: SurveyTx, w: StoreTx, view: SurveyView, score: number | null, comment: string | null, at: Date): Promise<void> {
    const leads = await tx.leadsOf(view.ticket.agencyId);
    const body = `Công dân chưa hài lòng với kết quả xử lý phản ánh ${view.ticket.code}${score ? ` (${score}/5)` : ''}` +
      `${comment ? `: "${comment.slice(0, 200)}"` : ''} / The citizen is not satisfied with the outcome of ${view.ticket.code}`;
    await w.notifyStaff(leads.map((staffId) => ({
      staffId, ticketId: view.ticket.id, kind: 'survey.not_satisfied', body, dedupeKey: `survey-unsatisfied:${view.survey.id}`,
    })));
    this.log.info({ ticket: view.ticket.code, score, at }, 'citizen not satisfied');
  }

  private async reopenIn(tx: SurveyTx, w: StoreTx, view: SurveyView, at: Date, settings: SurveySettings): Promise<void> {
    const check = checkReopen(view.survey, view.ticket, settings, at);
    if (check !== 'ok') throw rejection(check, check === 'expired' ? 'gone' : 'conflict');
    const ticket = await w.lockTicketById(view.ticket.id);
    if (!ticket) throw rejection('unknown', 'not_found');
    await this.workflow.actIn(w, ticket, { action: 'reopen', reason: 'Công dân chưa hài lòng với kết quả xử lý (khảo sát) / citizen not satisfied (survey)' },
      { kind: 'citizen', citizenId: ticket.citizenId }, at);
    await tx.markReopenRequested(view.survey.id, ticket.id, at);
  }

  /** "Not satisfied, handle it again": reopens the ticket once (SURVEY_MAX_REOPENS). */
  async requestReopen(token: string): Promise<SurveyView> {
    const at = this.clock.now();
    const settings = this.settings();
    return this.runner.transaction(async (tx, w) => {
      const view = await tx.viewByToken(token, true);
      if (!view) throw rejection('unknown', 'not_found');
      await this.reopenIn(tx, w, view, at, settings);
      return view;
    });
  }

  /** The citizen asks for no more surveys (or again); their open surveys are cancelled. */
  async setOptOut(citizenId: number, optedOut: boolean): Promise<void> {
    await this.runner.transaction(async (tx) => {
      await tx.setOptOut(citizenId, optedOut);
      if (optedOut) await tx.cancelOpenOfCitizen(citizenId);
    });
  }

  /**
   * A message from a channel that answers a survey (a button's payload, "4", "MO LAI", "TU CHOI"):
   * recorded, answered on the same channel, and the ticket it belongs to returned so the message
   * joins that ticket's conversation. Null when the message is not a survey answer.
   */
  async handleInbound(msg: InboundMessage): Promise<{ ticketId: number } | null> {
    const reply = parseSurveyReply(msg.text, msg.payload);
    if (!reply) return null;
    const ref = `${msg.channel}:${msg.externalId}`;
    const since = new Date(this.clock.now().getTime() - this.settings().answerDays * DAY_MS);
    const view = await this.runner.read(async (tx) =>
      reply.token ? tx.viewByToken(reply.token, false) : msg.identity ? tx.latestOfIdentity(msg.identity, since) : null);

    if (reply.kind === 'opt_out') {
      const citizenId = view?.ticket.citizenId ?? (msg.identity ? await this.runner.read((tx) => tx.citizenOfIdentity(msg.identity!)) : null);
      if (citizenId === null || !view) return null; // "huỷ" from someone never surveyed is an ordinary message
      await this.setOptOut(citizenId, true);
      await this.messenger.tell({ id: view.ticket.id }, optedOutText, `survey-reply-${ref}`);
      return { ticketId: view.ticket.id };
    }
    if (!view) return null;
    // Without a token, a bare digit only answers a survey that is waiting for one.
    if (!reply.token && reply.kind === 'rating' && view.survey.status !== 'sent') return null;
    if (!reply.token && reply.kind !== 'rating' && view.survey.status !== 'answered') return null;

    const say = (body: string, interactive?: Interactive | null) => this.messenger.tell({ id: view.ticket.id }, body, `survey-reply-${ref}`, interactive);
    if (reply.kind === 'rating') {
      try {
        const r = await this.answer(view.survey.token, { score: reply.score, satisfied: reply.satisfied, comment: reply.comment }, { channel: msg.channel, ref });
        if (!r.repeat) {
          await say(thanksText(r.view.survey.satisfied === true, r.reopenAllowed),
            r.reopenAllowed ? { choices: reopenChoices(view.survey.token) } : null);
        }
      } catch (err) {
        if (!(err instanceof HubError)) throw err;
        await say(`${err.messageVi}\n(${err.messageEn})`);
      }
      return { ticketId: view.ticket.id };
    }
    if (reply.kind === 'keep_closed') {
      await say('Cảm ơn bạn. Kết quả đánh giá của bạn đã được ghi nhận.\n(Thank you, your rating is recorded.)');
      return { ticketId: view.ticket.id };
    }
    try {
      await this.requestReopen(view.survey.token);
      await say(reopenedText(view.ticket.code));
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      // A retry of the message that reopened it finds it already requested: no second notice.
      if (err.code !== 'survey_already_requested') await say(`${err.messageVi}\n(${err.messageEn})`);
    }
    return { ticketId: view.ticket.id };
  }
}
