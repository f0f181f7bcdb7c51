/**
 * Satisfaction surveys, the pure part: what the citizen is asked on each channel, how their answer
 * is read (a button's payload, a digit typed in Zalo or by SMS, Vietnamese with or without
 * diacritics), and whether an answer or a reopening is allowed. No I/O here.
 */
import { foldVietnamese } from '../shared/text';
import type { QuickReply } from '../outbound/senders';

export type SurveySettings = {
  /** Remind once after this long without an answer (0 = no reminder). */
  reminderHours: number;
  /** Answers are accepted this long after the survey was sent: late answers within it still count. */
  answerDays: number;
  /** How many times a citizen may reopen one ticket from a "not satisfied" answer. */
  maxReopens: number;
};

export const DEFAULT_SURVEY_SETTINGS: SurveySettings = { reminderHours: 48, answerDays: 30, maxReopens: 1 };

export type SurveyStatus = 'sent' | 'answered' | 'cancelled';

export type Survey = {
  id: number;
  ticketId: number;
  round: number;
  token: string;
  channel: string;
  sentAt: Date;
  remindAt: Date | null;
  remindedAt: Date | null;
  expiresAt: Date;
  status: SurveyStatus;
  answeredAt: Date | null;
  satisfied: boolean | null;
  score: number | null;
  comment: string | null;
  answerRef: string | null;
  reopenRequestedAt: Date | null;
};

/** What a citizen said, read from a message or a form. */
export type SurveyReply =
  | { kind: 'rating'; token: string | null; score: number | null; satisfied: boolean; comment: string | null }
  | { kind: 'reopen'; token: string | null }
  | { kind: 'keep_closed'; token: string | null }
  | { kind: 'opt_out'; token: string | null };

/** Labels of the five levels, Vietnamese (≤ 20 characters with the digit: Messenger's quick-reply limit). */
export const SCORE_LABELS: Record<number, string> = {
  5: 'Rất hài lòng', 4: 'Hài lòng', 3: 'Bình thường', 2: 'Chưa hài lòng', 1: 'Không hài lòng',
};

/**
 * 1–2 are "not satisfied", 3–5 "satisfied": the labels the citizen chose from say so
 * ("Bình thường" is not a complaint, and does not offer a reopening).
 */
export const satisfiedFromScore = (score: number): boolean => score >= 3;

/** The hidden payload of a survey button: `#KS <token> <answer>`. */
export const SURVEY_PAYLOAD_PREFIX = '#KS';
const payloadOf = (token: string, answer: string) => `${SURVEY_PAYLOAD_PREFIX} ${token} ${answer}`;

export function ratingChoices(token: string): QuickReply[] {
  return [5, 4, 3, 2, 1].map((n) => ({ title: `${n} · ${SCORE_LABELS[n]}`, payload: payloadOf(token, String(n)) }));
}

export function reopenChoices(token: string): QuickReply[] {
  return [
    { title: 'Xử lý lại / Reopen', payload: payloadOf(token, 'MO-LAI') },
    { title: 'Không / No', payload: payloadOf(token, 'KHONG') },
  ];
}

export type PromptContext = { code: string; surveyUrl: string; channel: string; reminder?: boolean };

/** Channels whose citizens answer with one tap on a button. */
const BUTTON_CHANNELS = new Set(['zalo', 'facebook']);
/** Channels whose citizens answer by typing a digit (SMS; callers get an SMS too when no call is placed). */
const TEXT_CHANNELS = new Set(['sms', 'phone']);

/** The question, as the channel can carry it. Web, app, Open311 and email get the link to the survey page. */
export function surveyPrompt(c: PromptContext): string {
  const lead = c.reminder
    ? `Nhắc lại: bạn chưa đánh giá kết quả xử lý phản ánh ${c.code}.`
    : `Phản ánh ${c.code} đã được xử lý. Bạn có hài lòng với kết quả không?`;
  const leadEn = c.reminder ? `Reminder: please rate how report ${c.code} was handled.` : `Report ${c.code} has been resolved. Are you satisfied with the outcome?`;
  if (BUTTON_CHANNELS.has(c.channel)) {
    return `${lead} Chọn một mức bên dưới (hoặc trả lời bằng số từ 1 đến 5, có thể kèm góp ý).\n(${leadEn} Pick a level below, or reply 1–5.)`;
  }
  if (TEXT_CHANNELS.has(c.channel)) {
    return `${lead} Trả lời tin nhắn này bằng một số: 5 rất hài lòng, 4 hài lòng, 3 bình thường, 2 chưa hài lòng, 1 không hài lòng (có thể kèm góp ý). ` +
      `Trả lời TU CHOI để không nhận khảo sát.\n(${leadEn} Reply 1–5.)`;
  }
  return `${lead} Mời bạn đánh giá tại: ${c.surveyUrl}\n(${leadEn} Rate it here: ${c.surveyUrl})`;
}

export function thanksText(satisfied: boolean, reopenOffered: boolean): string {
  if (satisfied) return 'Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp chính quyền phục vụ tốt hơn.\n(Thank you for your rating.)';
  if (reopenOffered) {
    return 'Cảm ơn bạn đã đánh giá. Bạn có muốn yêu cầu xử lý lại phản ánh không? Trả lời MO LAI để yêu cầu xử lý lại.\n' +
      '(Thank you. Would you like the report handled again? Reply MO LAI to reopen it.)';
  }
  return 'Cảm ơn bạn đã đánh giá. Ý kiến của bạn đã được chuyển đến lãnh đạo đơn vị xử lý.\n(Thank you. Your rating has been passed to the head of the agency.)';
}

export const reopenedText = (code: string) =>
  `Phản ánh ${code} đã được mở lại và chuyển đơn vị xử lý lại.\n(Report ${code} has been reopened for the agency to handle again.)`;
export const optedOutText =
  'Bạn sẽ không nhận khảo sát mức độ hài lòng nữa.\n(You will receive no more satisfaction surveys.)';

const TOKEN_RE = /^[A-Za-z0-9_-]{16,64}$/;

/** Reads a survey answer from a message: a button payload first, else the first line of the text. */
export function parseSurveyReply(text: string, payload?: string | null): SurveyReply | null {
  for (const source of [payload, text]) {
    if (!source) continue;
    const m = /^\s*#KS\s+(\S+)\s+(\S+)\s*$/i.exec(source);
    if (!m) continue;
    const token = TOKEN_RE.test(m[1]!) ? m[1]! : null;
    if (!token) return null;
    const answer = m[2]!.toUpperCase();
    if (/^[1-5]$/.test(answer)) return { kind: 'rating', token, score: Number(answer), satisfied: satisfiedFromScore(Number(answer)), comment: null };
    if (answer === 'MO-LAI') return { kind: 'reopen', token };
    if (answer === 'KHONG') return { kind: 'keep_closed', token };
    return null;
  }
  return parseFreeText(text);
}

function parseFreeText(text: string): SurveyReply | null {
  const firstLine = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
  // Long texts are reports or follow-ups, not answers to a 1–5 question.
  if (firstLine.length === 0 || firstLine.length > 300) return null;
  const folded = foldVietnamese(firstLine).toLowerCase().replace(/\s+/g, ' ').trim();
  if (/^(tu ?choi|huy|khong nhan)( khao sat| danh gia)?[.!]?$/.test(folded)) return { kind: 'opt_out', token: null };
  if (/^(mo ?lai|xu ly lai|yeu cau xu ly lai)[.!]?$/.test(folded)) return { kind: 'reopen', token: null };
  // "5", "5 sao", "4 điểm", "5/5", "2 - chưa sửa xong": a digit first, anything after is a comment.
  const digit = /^([1-5])(?!\d|[.,]\d)(?:\s*(?:\/\s*5|sao|diem|\*|★))?(?:\s*[-:.,;–]?\s*(.*))?$/.exec(folded);
  if (digit) {
    const score = Number(digit[1]);
    // The comment is what follows the digit (and its "sao"/"điểm"), in the citizen's own spelling, plus any further lines.
    const lines = text.trim().split(/\r?\n/);
    lines[0] = lines[0]!.trim().replace(/^[1-5]\s*(?:\/\s*5|sao|điểm|diem|\*|★)?\s*[-:.,;–]?\s*/i, '');
    const comment = lines.join('\n').trim();
    return { kind: 'rating', token: null, score, satisfied: satisfiedFromScore(score), comment: comment ? comment.slice(0, 2000) : null };
  }
  const words = /^(rat |rat la |da )?(khong|chua) hai long\b/.test(folded) ? false : /^(rat |da )?hai long\b/.test(folded) ? true : null;
  if (words !== null) return { kind: 'rating', token: null, score: null, satisfied: words, comment: null };
  return null;
}

export type AnswerRejection = 'already_answered' | 'expired' | 'cancelled';

/** Whether an answer may be recorded now. The same platform message twice is the same answer. */
export function checkAnswer(s: Pick<Survey, 'status' | 'expiresAt' | 'answerRef'>, at: Date, ref: string | null): 'ok' | 'repeat' | AnswerRejection {
  if (s.status === 'answered') return ref !== null && s.answerRef === ref ? 'repeat' : 'already_answered';
  if (s.status === 'cancelled') return 'cancelled';
  if (at.getTime() > s.expiresAt.getTime()) return 'expired';
  return 'ok';
}

export type ReopenRejection = 'not_answered' | 'satisfied' | 'limit_reached' | 'expired' | 'not_resolved' | 'already_requested';

/** A "not satisfied" answer lets the citizen reopen the ticket, up to the limit, while the survey is open. */
export function checkReopen(
  s: Pick<Survey, 'status' | 'satisfied' | 'expiresAt' | 'reopenRequestedAt'>,
  ticket: { status: string; surveyReopens: number },
  settings: Pick<SurveySettings, 'maxReopens'>,
  at: Date,
): 'ok' | ReopenRejection {
  if (s.reopenRequestedAt) return 'already_requested';
  if (s.status !== 'answered') return 'not_answered';
  if (s.satisfied !== false) return 'satisfied';
  if (at.getTime() > s.expiresAt.getTime()) return 'expired';
  if (ticket.surveyReopens >= settings.maxReopens) return 'limit_reached';
  if (!['resolved', 'closed'].includes(ticket.status)) return 'not_resolved';
  return 'ok';
}

/** Tickets that get a survey when resolved: not rejected or merged, and the citizen has not opted out. */
export function shouldSurvey(ticket: { status: string }, citizen: { surveyOptedOut: boolean }): boolean {
  return ticket.status === 'resolved' && !citizen.surveyOptedOut;
}

export const REJECTION_TEXT: Record<AnswerRejection | ReopenRejection | 'unknown', { vi: string; en: string }> = {
  unknown: { vi: 'Không tìm thấy phiếu khảo sát.', en: 'No such survey.' },
  already_answered: { vi: 'Phiếu khảo sát này đã được trả lời.', en: 'This survey has already been answered.' },
  expired: { vi: 'Phiếu khảo sát đã hết hạn trả lời.', en: 'This survey is closed for answers.' },
  cancelled: { vi: 'Phiếu khảo sát đã bị hủy (phản ánh được mở lại).', en: 'This survey was cancelled (the report was reopened).' },
  not_answered: { vi: 'Cần đánh giá trước khi yêu cầu xử lý lại.', en: 'Rate the outcome before asking to reopen.' },
  satisfied: { vi: 'Chỉ có thể yêu cầu xử lý lại khi chưa hài lòng.', en: 'Only a "not satisfied" answer can reopen the report.' },
  limit_reached: { vi: 'Phản ánh đã được mở lại theo yêu cầu, không thể mở lại thêm.', en: 'The report was already reopened as many times as allowed.' },
  not_resolved: { vi: 'Phản ánh đang được xử lý.', en: 'The report is being handled already.' },
  already_requested: { vi: 'Yêu cầu xử lý lại đã được ghi nhận.', en: 'The reopening was already requested.' },
};
