import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { canSeeTicket } from '../access/policy';
import type { Hub } from '../hub';
import { requireStaff, currentStaff } from '../http/session';
import { notFound } from '../shared/errors';
import { contentDisposition } from './file-name';

// Shown in the browser (console previews); anything else is downloaded.
const INLINE = /^(image|audio|video)\//;

/** `GET /api/v1/attachments/:id`: staff who may see the ticket get the file; others 401/404. */
export function attachmentRoutes(hub: Hub): Router {
  const r = Router();
  r.get('/api/v1/attachments/:id', requireStaff(), async (req, res) => {
    const user = currentStaff(res);
    const a = await hub.attachments.find(String(req.params.id));
    // Another agency's file answers like a missing one: an id reveals nothing.
    if (!a || !canSeeTicket(user, { agencyId: a.agencyId })) throw notFound('attachment');
    const stream = await hub.attachments.open(a);
    if (!stream) {
      hub.log.error({ attachment: a.id, key: a.storageKey }, 'attachment row without stored bytes');
      throw notFound('attachment');
    }
    res.status(200);
    res.setHeader('Content-Type', a.contentType);
    res.setHeader('Content-Length', String(a.size));
    res.setHeader('Content-Disposition', contentDisposition(a.fileName, INLINE.test(a.contentType) ? 'inline' : 'attachment'));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A file is data, never a page: no scripts, no plugins, even if a browser were tricked into rendering it.
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('ETag', `"${a.sha256}"`);
    if (req.method === 'HEAD') { stream.destroy(); res.end(); return; }
    try {
      await pipeline(stream, res);
    } catch (err) {
      // The client went away, or the disk failed mid-file: nothing more can be sent.
      hub.log.warn({ attachment: a.id, err: (err as Error).message }, 'attachment stream ended early');
    }
  });
  return r;
}
