import { Router } from 'express';
import type { Hub } from '../../hub';
import { HubError, notFound } from '../../shared/errors';
import { assertKnownCategory, citizenContact } from '../report-input';
import { safeEqual } from '../../shared/safe-equal';
import { parse } from '../errors';
import { reportSchema } from '../schemas';
import { assertAcceptedUploads, readReportForm } from '../../attachments/multipart';
import { inspectBytes } from '../../attachments/service';
import { DEVICE_ID_HEADER, readDeviceId, reportIdempotencyKey } from '../../channels/app/device';


/** Citizen endpoints of the contracts: submit a report, track it with its token. */
export function reportRoutes(hub: Hub): Router {
  const r = Router();

  r.post('/api/v1/reports', async (req, res) => {
    // JSON, or multipart/form-data with the same JSON in the field "report" and files in "attachments".
    const multipart = req.is('multipart/form-data') === 'multipart/form-data';
    if (!multipart && !req.is('application/json')) {
      throw new HubError('unsupported_media', 'json_required', 'Vui lòng gửi dữ liệu dạng JSON (application/json) hoặc multipart/form-data.',
        'Send the report as application/json or multipart/form-data.');
    }
    const form = multipart ? await readReportForm(req) : null;
    const body = parse(reportSchema, form ? form.report : req.body);
    assertKnownCategory(hub.catalog, body.category);
    const contact = citizenContact(body.contact);
    if (form) assertAcceptedUploads(form.files, inspectBytes);
    const deviceId = readDeviceId(req.headers[DEVICE_ID_HEADER], body.channel);
    const { ticket, created } = await hub.intake.submit({
      channel: body.channel,
      text: body.text,
      categoryCode: body.category ?? null,
      location: body.location ?? null,
      address: body.address ?? null,
      contact,
      idempotencyKey: reportIdempotencyKey(body.channel, body.clientRef, deviceId),
      publishable: body.publish ?? true,
    });
    if (created) hub.afterCommit();
    // Files go with the report's first message; their ids make a retried upload store nothing twice.
    const messageId = form?.files.length ? await hub.attachments.firstInboundMessageId(ticket.id) : null;
    const stored = messageId ? await hub.attachments.ingestAll(messageId, form!.files) : [];
    res.status(created ? 201 : 200).json({
      code: ticket.code,
      trackingToken: ticket.trackingToken,
      status: ticket.status,
      trackingUrl: hub.notifier.trackingUrl(ticket),
      ...(form ? { attachments: stored.map((a) => ({ id: a.id, status: a.status })) } : {}),
    });
  });

  r.get('/api/v1/reports/:code', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const view = token && req.params.code.length <= 30 ? await hub.queries.publicView(req.params.code.toUpperCase()) : null;
    // Wrong token and unknown code answer the same: a code alone reveals nothing.
    if (!view || !safeEqual(token, view.ticket.trackingToken)) throw notFound('report');
    const t = view.ticket;
    res.json({
      code: t.code,
      status: t.status,
      category: t.categoryCode ? { code: t.categoryCode, name: view.categoryName } : null,
      agency: view.agencyName,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      resolvedAt: t.resolvedAt,
      resolution: t.resolution,
      replies: view.replies.filter((m) => m.direction === 'outbound').map((m) => ({ body: m.body, at: m.at })),
      timeline: view.timeline,
    });
  });

  return r;
}
