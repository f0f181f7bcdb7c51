import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { HubError, type HubErrorKind } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { sqlState } from '../db/database';

const STATUS: Record<HubErrorKind, number> = {
  invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_large: 413,
  unsupported_media: 415, rate_limited: 429, unavailable: 503, gone: 410,
};

export type ErrorBody = { error: { code: string; message: string; messageEn: string; details?: unknown } };

export function errorBody(e: HubError): ErrorBody {
  return { error: { code: e.code, message: e.messageVi, messageEn: e.messageEn, ...(e.details !== undefined ? { details: e.details } : {}) } };
}

export function validationError(err: z.ZodError): HubError {
  const details = err.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  return new HubError('invalid', 'validation_failed', `Dữ liệu gửi lên không hợp lệ — ${summary}`, `The request is invalid — ${summary}`, details);
}

/**
 * PostgreSQL stores no NUL in text (22021) nor in jsonb (22P05), on either engine: a request that
 * carries one (a report's text, a code in a URL) is the client's to fix, not a fault of ours.
 */
export function unstorableCharacter(err: unknown): HubError | null {
  const state = sqlState(err);
  return state === '22021' || state === '22P05'
    ? new HubError('invalid', 'invalid_character', 'Dữ liệu chứa ký tự không hợp lệ (ký tự NUL).', 'The request contains a character that cannot be stored (NUL).')
    : null;
}

/**
 * Express and body-parser mark what the client got wrong with a 4xx status but no body-parser
 * `type`: a path with a broken %-escape (URIError, 400), a body that does not inflate under its
 * Content-Encoding (http-errors, `expose`). Both used to fall through to a 500.
 */
export function clientHttpError(err: unknown): HubError | null {
  if (!err || typeof err !== 'object') return null;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || !(expose === true || err instanceof URIError)) return null;
  return new HubError('invalid', 'bad_request', 'Yêu cầu không hợp lệ (địa chỉ hoặc nội dung bị lỗi mã hoá).', 'Bad request: the address or the body is not correctly encoded.');
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json(errorBody(new HubError('not_found', 'route_not_found', 'Không có địa chỉ này.', `No route ${req.method} ${req.path}.`)));
};

/** Everything that goes wrong becomes a JSON error; a stack trace never reaches a client. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    let e: HubError;
    if (err instanceof HubError) e = err;
    else if (err instanceof z.ZodError) e = validationError(err);
    else if (err && typeof err === 'object' && 'type' in err && typeof (err as { type: unknown }).type === 'string') {
      // body-parser errors carry a type and a status
      const t = (err as { type: string }).type;
      if (t === 'entity.too.large') e = new HubError('too_large', 'body_too_large', 'Nội dung gửi lên quá lớn.', 'The request body is too large.');
      else if (t === 'entity.parse.failed') e = new HubError('invalid', 'malformed_json', 'Nội dung JSON bị lỗi cú pháp.', 'The request body is not valid JSON.');
      else if (t === 'encoding.unsupported' || t === 'charset.unsupported') e = new HubError('unsupported_media', 'unsupported_encoding', 'Bảng mã không được hỗ trợ.', 'Unsupported content encoding or charset.');
      else e = new HubError('invalid', 'bad_request', 'Yêu cầu không hợp lệ.', 'Bad request.');
    } else if (sqlState(err) === '23503') {
      e = new HubError('invalid', 'unknown_reference', 'Dữ liệu tham chiếu không tồn tại.', 'The request refers to a record that does not exist.');
    } else if (unstorableCharacter(err)) {
      e = unstorableCharacter(err)!;
    } else if (clientHttpError(err)) {
      e = clientHttpError(err)!;
    } else if (sqlState(err) === '23505') {
      e = new HubError('conflict', 'already_exists', 'Dữ liệu đã tồn tại.', 'That record already exists.');
    } else {
      log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), path: req.path }, 'unhandled error');
      e = new HubError('unavailable', 'internal_error', 'Hệ thống đang gặp sự cố, vui lòng thử lại.', 'Something went wrong on our side; please retry.');
      res.status(500).json(errorBody(e));
      return;
    }
    res.status(STATUS[e.kind]).json(errorBody(e));
  };
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error);
  return r.data;
}
