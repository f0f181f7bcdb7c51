/** The hub's staff API (same origin, session cookie + X-CSRF-Token on writes). Types mirror the JSON it returns. */

export type Role = 'operator' | 'agency_staff' | 'agency_lead' | 'supervisor' | 'admin';
export type User = { id: number; email: string; displayName: string; role: Role; agencyId: number | null };

export type Priority = 'urgent' | 'high' | 'normal' | 'low';
export type Classification = {
  category: string; confidence: number; priority: Priority; priorityConfidence: number;
  alternatives: { category: string; confidence: number }[]; terms: string[]; urgentSignals: string[];
};
export type Routing = { agencyId: number | null; ruleId: number | null; level: number | null; reasonVi: string; reasonEn: string; areaVia: string; areaDetail: string };

export type Ticket = {
  id: number; code: string; status: string; channel: string; categoryCode: string | null; priority: Priority;
  description: string; locationLat: number | null; locationLng: number | null; address: string | null;
  communeCode: string | null; agencyId: number | null; assigneeId: number | null; statusReason: string | null;
  resolution: string | null; createdAt: string; updatedAt: string; slaResolutionDueAt: string | null;
  slaBreachedAt: string | null; slaOutcome: string | null; classification: Classification | null; routing: Routing | null;
  reviewReasons: string[]; duplicateOfId: number | null; allowedActions: string[];
};
export type ListItem = Ticket & { agencyName: string | null; categoryName: string | null };

export type Attachment = { id: string; fileName: string; contentType: string; size: number };
export type Message = {
  id: number; direction: 'inbound' | 'outbound'; channel: string; authorStaffId: number | null;
  visibility: 'public' | 'internal'; body: string; attachments: Attachment[]; deliveryStatus: string;
  deliveryError: string | null; createdAt: string;
};
export type TicketEvent = {
  id: number; at: string; actorKind: string; actorId: number | null; type: string;
  fromStatus: string | null; toStatus: string | null; data: Record<string, unknown>;
};
export type CitizenView = { id: number; displayName: string | null; phone: string | null; email: string | null; masked: boolean };
export type TicketDetail = Ticket & {
  citizen: CitizenView; messages: Message[]; events: TicketEvent[]; mergedCodes: string[]; mergedIntoCode: string | null;
};

export type Category = { code: string; nameVi: string; nameEn: string; active: boolean };
export type PriorityInfo = { code: Priority; nameVi: string; nameEn: string; rank: number };
export type Agency = { id: number; code: string; nameVi: string; nameEn: string; active: boolean };
export type StaffUserInfo = { id: number; displayName: string; role: Role; agencyId: number | null; active: boolean };
export type Notice = { id: number; ticketCode: string | null; kind: string; body: string; createdAt: string; readAt: string | null };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly messageEn: string) {
    super(message);
  }
}

let csrfToken: string | null = null;
export const setCsrf = (token: string | null) => { csrfToken = token; };

/** Called when the session is gone (expired, logged out elsewhere): the app shows the login again. */
let onUnauthenticated: (() => void) | null = null;
export const setOnUnauthenticated = (fn: (() => void) | null) => { onUnauthenticated = fn; };

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'Không kết nối được máy chủ.', 'Cannot reach the server.');
  }
  if (res.status === 204) return undefined as T;
  const json: unknown = await res.json().catch(() => null);
  if (res.status === 401 && !url.startsWith('/api/v1/auth/')) onUnauthenticated?.();
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; messageEn?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? `Lỗi ${res.status}`, e?.messageEn ?? `Error ${res.status}`);
  }
  return json as T;
}

export const api = {
  get: <T>(url: string) => request<T>('GET', url),
  post: <T>(url: string, body: unknown = {}) => request<T>('POST', url, body),
  patch: <T>(url: string, body: unknown) => request<T>('PATCH', url, body),
  del: (url: string) => request<void>('DELETE', url),
};

export const ticketUrl = (code: string) => `/api/v1/tickets/${encodeURIComponent(code)}`;
