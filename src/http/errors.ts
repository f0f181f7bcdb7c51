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
