import busboy from 'busboy';
import type { Request } from 'express';
import { HubError } from '../shared/errors';

/**
 * `POST /api/v1/reports` as multipart/form-data: one text field `report` holding the same JSON
 * object as the JSON request, and up to 5 files in the field `attachments`. Files are held in
 * memory (at most 5 × 10 MB) until the report is validated; nothing is stored before that.
 */
export const UPLOAD_LIMITS = {
  files: 5,
  fileBytes: 10 * 1024 * 1024,
  fieldBytes: 100 * 1024,
  fields: 5,
  parts: 12,
} as const;

/** After a refused upload the rest of the body is read and dropped (so the client sees our answer), up to this much. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export type UploadedFile = { fileName: string; declaredType: string | null; data: Buffer };
export type ReportForm = { report: unknown; files: UploadedFile[] };

const MB = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

const tooMany = () => new HubError('too_large', 'too_many_attachments',
  `Chỉ được gửi tối đa ${UPLOAD_LIMITS.files} tệp đính kèm cho một phản ánh.`, `At most ${UPLOAD_LIMITS.files} attachments per report.`,
  { maxFiles: UPLOAD_LIMITS.files });
const fileTooLarge = (name: string) => new HubError('too_large', 'attachment_too_large',
  `Tệp "${name}" vượt quá ${MB(UPLOAD_LIMITS.fileBytes)}. Vui lòng gửi ảnh nhỏ hơn.`, `The file "${name}" is larger than ${MB(UPLOAD_LIMITS.fileBytes)}.`,
  { maxFileBytes: UPLOAD_LIMITS.fileBytes });
const fieldTooLarge = (name: string) => new HubError('too_large', 'field_too_large',
  `Trường "${name}" vượt quá ${UPLOAD_LIMITS.fieldBytes / 1024} KB.`, `The field "${name}" is larger than ${UPLOAD_LIMITS.fieldBytes / 1024} KB.`);
const tooManyParts = () => new HubError('too_large', 'too_many_parts',
  'Biểu mẫu có quá nhiều trường.', 'The form has too many parts.');
// busboy gives a part named "" the name undefined: reading it threw inside busboy's event, and the
// request was never answered (found by fuzzing).
const unknownField = (raw: string | undefined) => {
  const name = (raw ?? '').slice(0, 50);
  return new HubError('invalid', 'unknown_form_field',
    `Trường "${name}" không được hỗ trợ. Chỉ dùng "report" (JSON) và "attachments" (tệp).`,
    `Unknown form field "${name}". Use "report" (JSON) and "attachments" (files).`);
};
const malformed = (why: string) => new HubError('invalid', 'malformed_multipart',
  'Dữ liệu multipart/form-data bị lỗi hoặc không đầy đủ.', `The multipart/form-data body is malformed or incomplete (${why}).`);

export function readReportForm(req: Request): Promise<ReportForm> {
  return new Promise<ReportForm>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8', // Vietnamese file names
        limits: {
          files: UPLOAD_LIMITS.files + 1, fileSize: UPLOAD_LIMITS.fileBytes, fieldSize: UPLOAD_LIMITS.fieldBytes,
          fields: UPLOAD_LIMITS.fields, parts: UPLOAD_LIMITS.parts, fieldNameSize: 100, headerPairs: 50,
        },
      });
    } catch (err) {
      reject(malformed((err as Error).message));
      return;
    }
    let settled = false;
    let reportText: string | undefined;
    const files: UploadedFile[] = [];
    let attachmentParts = 0;

    const fail = (e: HubError) => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      let drained = 0;
      req.on('data', (c: Buffer) => {
        drained += c.length;
        if (drained > MAX_DRAIN_BYTES) req.destroy();
      });
      req.resume();
      reject(e);
    };

    bb.on('field', (name, value, info) => {
      if (info.nameTruncated) return fail(unknownField(name));
      if (name !== 'report') return fail(unknownField(name));
      if (info.valueTruncated) return fail(fieldTooLarge(name));
      if (reportText !== undefined) return fail(new HubError('invalid', 'duplicate_report_field', 'Trường "report" bị gửi hai lần.', 'The field "report" was sent twice.'));
      reportText = value;
    });
    bb.on('file', (name, stream, info) => {
      // A body that ends inside a file (a cut-off upload) errors the file stream: unheard, that error
      // crashed the process (found by fuzzing).
      stream.on('error', (err) => fail(malformed(err instanceof Error ? err.message : String(err))));
      if (settled) { stream.resume(); return; }
      if (name === 'report') {
        // Some clients send the JSON as a file part (a Blob, or application/octet-stream): same rules as the field.
        const parts: Buffer[] = [];
        let n = 0;
        stream.on('data', (c: Buffer) => {
          n += c.length;
          if (n > UPLOAD_LIMITS.fieldBytes) { fail(fieldTooLarge(name)); stream.resume(); return; }
          parts.push(c);
        });
        stream.on('end', () => {
          if (settled || n > UPLOAD_LIMITS.fieldBytes) return;
          if (reportText !== undefined) return fail(new HubError('invalid', 'duplicate_report_field', 'Trường "report" bị gửi hai lần.', 'The field "report" was sent twice.'));
          reportText = Buffer.concat(parts).toString('utf8');
        });
        return;
      }
      if (name !== 'attachments') { stream.resume(); fail(unknownField(name)); return; }
      // busboy's own limit leaves room for a "report" sent as a file; the attachments are counted here.
      if (++attachmentParts > UPLOAD_LIMITS.files) { stream.resume(); fail(tooMany()); return; }
      const chunks: Buffer[] = [];
      let size = 0;
      const label = (info.filename ?? '').slice(0, 80);
      stream.on('data', (c: Buffer) => { if (!settled) { chunks.push(c); size += c.length; } });
      stream.on('limit', () => fail(fileTooLarge(label)));
      stream.on('end', () => {
        if (settled || stream.truncated) return;
        // A file input left empty still sends a part, with no file name and no bytes.
        if (!info.filename && size === 0) return;
        // Browsers escape '"', CR and LF in multipart file names (WHATWG HTML, "multipart/form-data encoding algorithm").
        const fileName = (info.filename ?? '').replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
        files.push({ fileName, declaredType: info.mimeType || null, data: Buffer.concat(chunks, size) });
      });
    });
    bb.on('filesLimit', () => fail(tooMany()));
    bb.on('fieldsLimit', () => fail(tooManyParts()));
    bb.on('partsLimit', () => fail(tooManyParts()));
    bb.on('error', (err) => fail(malformed(err instanceof Error ? err.message : String(err))));
    bb.on('close', () => {
      if (settled) return;
      settled = true;
      if (reportText === undefined) {
        reject(new HubError('invalid', 'report_field_required',
          'Thiếu trường "report" (nội dung phản ánh dạng JSON).', 'The form needs a field "report" holding the report as JSON.'));
        return;
      }
      let report: unknown;
      try {
        report = JSON.parse(reportText);
      } catch {
        reject(new HubError('invalid', 'malformed_json', 'Trường "report" không phải JSON hợp lệ.', 'The field "report" is not valid JSON.'));
        return;
      }
      resolve({ report, files });
    });
    req.on('aborted', () => fail(malformed('the upload was interrupted')));
    req.pipe(bb);
  });
}

/** Every uploaded file must be of an accepted type, judged by its bytes; one refused file refuses the report (415). */
export function assertAcceptedUploads(files: UploadedFile[], sniff: (b: Buffer) => { ok: true } | { ok: false; code: string; reasonVi: string; reasonEn: string }): void {
  const refused = files.map((f, index) => ({ index, f, r: sniff(f.data) })).filter((x) => !x.r.ok);
  if (!refused.length) return;
  const first = refused[0]!;
  const r = first.r as { code: string; reasonVi: string; reasonEn: string };
  const name = first.f.fileName.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 80);
  throw new HubError('unsupported_media', 'unsupported_attachment_type',
    `Tệp "${name}" không được chấp nhận: ${r.reasonVi}`, `The file "${name}" is refused: ${r.reasonEn}`,
    refused.map((x) => ({ index: x.index, fileName: x.f.fileName.slice(0, 120), reason: (x.r as { code: string }).code })));
}
