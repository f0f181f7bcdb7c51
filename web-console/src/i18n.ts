import { createContext, useContext } from 'react';

/** Console strings: Vietnamese is the working language, English a switch (kept in localStorage). */
const vi = {
  appTitle: 'Bảng điều khiển 1022',
  email: 'Email',
  password: 'Mật khẩu',
  login: 'Đăng nhập',
  logout: 'Đăng xuất',
  loggingIn: 'Đang đăng nhập…',
  language: 'English',
  live: 'Trực tuyến',
  offline: 'Mất kết nối',
  queues: 'Hàng đợi',
  search: 'Tìm kiếm (mã, nội dung, địa chỉ)…',
  noTickets: 'Không có phản ánh nào.',
  loading: 'Đang tải…',
  retry: 'Thử lại',
  'q.review': 'Cần xem xét',
  'q.new': 'Mới',
  'q.returned': 'Bị trả lại',
  'q.agencyNew': 'Mới giao',
  'q.mine': 'Của tôi',
  'q.dueSoon': 'Sắp đến hạn',
  'q.overdue': 'Quá hạn',
  'q.waiting': 'Chờ công dân',
  'col.code': 'Mã',
  'col.created': 'Tiếp nhận',
  'col.channel': 'Kênh',
  'col.category': 'Lĩnh vực',
  'col.priority': 'Mức độ',
  'col.status': 'Trạng thái',
  'col.agency': 'Đơn vị',
  'col.sla': 'Hạn xử lý',
  'col.assignee': 'Người xử lý',
  prev: 'Trước',
  next: 'Sau',
  page: 'Trang',
  back: '← Quay lại hàng đợi',
  notFound: 'Không tìm thấy phản ánh này (hoặc bạn không có quyền xem).',
  unassigned: 'Chưa giao',
  nobody: 'Chưa có',
  overdueBy: 'quá hạn',
  classifier: 'Phân loại tự động',
  confidence: 'độ tin cậy',
  terms: 'Từ khóa',
  urgentSignals: 'Dấu hiệu khẩn cấp',
  alternatives: 'Lựa chọn khác',
  routing: 'Định tuyến',
  reviewReasons: 'Lý do cần xem xét',
  citizen: 'Công dân',
  masked: 'đã che thông tin',
  location: 'Vị trí',
  openMap: 'Xem trên OpenStreetMap',
  noLocation: 'Không có vị trí',
  description: 'Nội dung phản ánh',
  timeline: 'Diễn biến',
  inbound: 'Công dân gửi',
  outbound: 'Trả lời công dân',
  internalNote: 'Ghi chú nội bộ',
  attachment: 'Tệp đính kèm',
  system: 'Hệ thống',
  staff: 'Cán bộ',
  actions: 'Thao tác',
  noActions: 'Bạn không có thao tác nào với phản ánh ở trạng thái này.',
  category: 'Lĩnh vực',
  priority: 'Mức độ',
  agency: 'Đơn vị',
  assignee: 'Người xử lý',
  reason: 'Lý do',
  note: 'Ghi chú (không bắt buộc)',
  resolution: 'Nội dung trả lời chính thức',
  infoMessage: 'Nội dung cần công dân bổ sung',
  intoCode: 'Gộp vào mã',
  submit: 'Xác nhận',
  enterHint: 'Nhấn Enter để xác nhận phân loại',
  chooseAgency: '— chọn đơn vị —',
  chooseCategory: '— chọn lĩnh vực —',
  myself: 'Tôi nhận xử lý',
  reply: 'Trả lời công dân / ghi chú',
  replyBody: 'Nội dung',
  visPublic: 'Gửi công dân',
  visInternal: 'Ghi chú nội bộ',
  send: 'Gửi',
  done: 'Đã thực hiện.',
  sla: 'Hạn xử lý',
  slaNone: 'Chưa tính hạn',
  resolvedAnswer: 'Trả lời chính thức',
  mergedInto: 'Đã gộp vào',
  mergedFrom: 'Các phản ánh đã gộp',
  urgent: 'Phản ánh khẩn cấp',
  dismiss: 'Đóng',
  open: 'Mở',
  notices: 'Thông báo',
  noNotices: 'Không có thông báo.',
  markRead: 'Đã đọc',
  markAllRead: 'Đánh dấu tất cả đã đọc',
  phoneCall: 'Ghi cuộc gọi',
  phoneTitle: 'Ghi nhận phản ánh qua điện thoại',
  phoneText: 'Nội dung cuộc gọi',
  address: 'Địa chỉ',
  callerName: 'Họ tên người gọi',
  callerPhone: 'Số điện thoại',
  shareWithAgency: 'Người gọi đồng ý cho đơn vị xử lý xem thông tin liên hệ',
  optional: '(không bắt buộc)',
  autoPriority: '— tự động —',
  create: 'Tạo phản ánh',
  cancel: 'Hủy',
  statusLabel: 'Trạng thái',
  by: 'bởi',
  enableNotifications: 'Bật thông báo trình duyệt',
} as const;

export type MessageKey = keyof typeof vi;
type Dict = Record<MessageKey, string>;

const en: Dict = {
  appTitle: '1022 Console',
  email: 'Email',
  password: 'Password',
  login: 'Log in',
  logout: 'Log out',
  loggingIn: 'Logging in…',
  language: 'Tiếng Việt',
  live: 'Live',
  offline: 'Offline',
  queues: 'Queues',
  search: 'Search (code, text, address)…',
  noTickets: 'No tickets.',
  loading: 'Loading…',
  retry: 'Retry',
  'q.review': 'Needs review',
  'q.new': 'New',
  'q.returned': 'Returned',
  'q.agencyNew': 'New',
  'q.mine': 'Mine',
  'q.dueSoon': 'Due soon',
  'q.overdue': 'Overdue',
  'q.waiting': 'Waiting for citizen',
  'col.code': 'Code',
  'col.created': 'Created',
  'col.channel': 'Channel',
  'col.category': 'Category',
  'col.priority': 'Priority',
  'col.status': 'Status',
  'col.agency': 'Agency',
  'col.sla': 'SLA due',
  'col.assignee': 'Assignee',
  prev: 'Previous',
  next: 'Next',
  page: 'Page',
  back: '← Back to queue',
  notFound: 'Ticket not found (or you may not see it).',
  unassigned: 'Not assigned',
  nobody: 'Nobody',
  overdueBy: 'overdue',
  classifier: 'Automatic classification',
  confidence: 'confidence',
  terms: 'Key words',
  urgentSignals: 'Urgent signals',
  alternatives: 'Alternatives',
  routing: 'Routing',
  reviewReasons: 'Why it needs review',
  citizen: 'Citizen',
  masked: 'masked',
  location: 'Location',
  openMap: 'Open in OpenStreetMap',
  noLocation: 'No location',
  description: 'Report',
  timeline: 'Timeline',
  inbound: 'From citizen',
  outbound: 'Reply to citizen',
  internalNote: 'Internal note',
  attachment: 'Attachment',
  system: 'System',
  staff: 'Staff',
  actions: 'Actions',
  noActions: 'You have no actions on a ticket in this status.',
  category: 'Category',
  priority: 'Priority',
  agency: 'Agency',
  assignee: 'Assignee',
  reason: 'Reason',
  note: 'Note (optional)',
  resolution: 'Official answer',
  infoMessage: 'What the citizen should add',
  intoCode: 'Merge into code',
  submit: 'Confirm',
  enterHint: 'Press Enter to confirm the classification',
  chooseAgency: '— choose an agency —',
  chooseCategory: '— choose a category —',
  myself: 'I take it',
  reply: 'Reply to citizen / note',
  replyBody: 'Text',
  visPublic: 'Send to citizen',
  visInternal: 'Internal note',
  send: 'Send',
  done: 'Done.',
  sla: 'Resolution due',
  slaNone: 'No deadline yet',
  resolvedAnswer: 'Official answer',
  mergedInto: 'Merged into',
  mergedFrom: 'Merged reports',
  urgent: 'Urgent report',
  dismiss: 'Dismiss',
  open: 'Open',
  notices: 'Notices',
  noNotices: 'No notices.',
  markRead: 'Mark read',
  markAllRead: 'Mark all read',
  phoneCall: 'Log a call',
  phoneTitle: 'Log a phone report',
  phoneText: 'What the caller reported',
  address: 'Address',
  callerName: 'Caller name',
  callerPhone: 'Phone number',
  shareWithAgency: 'The caller lets the agency see their contact details',
  optional: '(optional)',
  autoPriority: '— automatic —',
  create: 'Create ticket',
  cancel: 'Cancel',
  statusLabel: 'Status',
  by: 'by',
  enableNotifications: 'Enable browser notifications',
};

/** Labels of API codes (statuses, channels, priorities, actions, review reasons, roles, delivery, events). */
const codesVi: Record<string, string> = {
  received: 'Mới tiếp nhận', triaged: 'Đã phân loại', assigned: 'Đã giao đơn vị', in_progress: 'Đang xử lý',
  waiting_for_citizen: 'Chờ công dân bổ sung', resolved: 'Đã giải quyết', closed: 'Đã đóng', reopened: 'Mở lại',
  transferred: 'Đã chuyển đơn vị', returned: 'Bị trả lại', rejected: 'Từ chối', merged: 'Đã gộp',
  phone: 'Điện thoại', sms: 'SMS', email: 'Email', facebook: 'Facebook', zalo: 'Zalo', web: 'Cổng web', app: 'Ứng dụng', open311: 'Open311',
  urgent: 'Khẩn cấp', high: 'Cao', normal: 'Bình thường', low: 'Thấp',
  'a.triage': 'Phân loại', 'a.assign': 'Giao đơn vị', 'a.accept': 'Tiếp nhận xử lý', 'a.assign_staff': 'Giao cán bộ',
  'a.request_info': 'Yêu cầu bổ sung', 'a.resolve': 'Giải quyết', 'a.close': 'Đóng', 'a.reopen': 'Mở lại',
  'a.transfer': 'Chuyển đơn vị', 'a.return': 'Trả lại tổng đài', 'a.reject': 'Từ chối', 'a.merge': 'Gộp',
  low_confidence: 'Độ tin cậy phân loại thấp', other_category: 'Lĩnh vực "khác"', no_rule: 'Không có quy tắc định tuyến',
  no_area: 'Không xác định được địa bàn', probable_duplicate: 'Có thể trùng phản ánh khác',
  operator: 'Điện thoại viên 1022', agency_staff: 'Cán bộ đơn vị', agency_lead: 'Lãnh đạo đơn vị', supervisor: 'Giám sát', admin: 'Quản trị',
  'd.received': 'đã nhận', 'd.queued': 'đang chờ gửi', 'd.sent': 'đã gửi', 'd.delivered': 'đã đến nơi', 'd.failed': 'gửi lỗi',
  'd.held': 'tạm giữ', 'd.internal': 'nội bộ',
  'e.created': 'Tiếp nhận', 'e.understood': 'Phân loại tự động', 'e.merged_in': 'Nhận phản ánh gộp vào', 'e.reply': 'Trả lời',
  'e.note': 'Ghi chú nội bộ', 'e.citizen_reply': 'Công dân bổ sung', 'e.sla.started': 'Bắt đầu tính hạn', 'e.sla.completed': 'Hoàn thành hạn',
  'e.sla.paused': 'Tạm dừng tính hạn', 'e.sla.resumed': 'Tiếp tục tính hạn', 'e.sla.restarted': 'Tính hạn lại', 'e.sla.stopped': 'Dừng tính hạn',
  'e.sla.transferred': 'Chuyển hạn sang đơn vị mới', 'e.sla.deadline_moved': 'Điều chỉnh hạn', 'e.sla.warning': 'Cảnh báo sắp hết hạn',
  'e.sla.breached': 'Quá hạn',
};
const codesEn: Record<string, string> = {
  received: 'Received', triaged: 'Triaged', assigned: 'Assigned', in_progress: 'In progress',
  waiting_for_citizen: 'Waiting for citizen', resolved: 'Resolved', closed: 'Closed', reopened: 'Reopened',
  transferred: 'Transferred', returned: 'Returned', rejected: 'Rejected', merged: 'Merged',
  phone: 'Phone', sms: 'SMS', email: 'Email', facebook: 'Facebook', zalo: 'Zalo', web: 'Web portal', app: 'App', open311: 'Open311',
  urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low',
  'a.triage': 'Triage', 'a.assign': 'Assign agency', 'a.accept': 'Accept', 'a.assign_staff': 'Assign staff',
  'a.request_info': 'Request info', 'a.resolve': 'Resolve', 'a.close': 'Close', 'a.reopen': 'Reopen',
  'a.transfer': 'Transfer', 'a.return': 'Return to 1022', 'a.reject': 'Reject', 'a.merge': 'Merge',
  low_confidence: 'Low classification confidence', other_category: 'Category "other"', no_rule: 'No routing rule',
  no_area: 'Area not found', probable_duplicate: 'Probable duplicate',
  operator: '1022 operator', agency_staff: 'Agency staff', agency_lead: 'Agency lead', supervisor: 'Supervisor', admin: 'Administrator',
  'd.received': 'received', 'd.queued': 'queued', 'd.sent': 'sent', 'd.delivered': 'delivered', 'd.failed': 'failed',
  'd.held': 'held', 'd.internal': 'internal',
  'e.created': 'Received', 'e.understood': 'Classified automatically', 'e.merged_in': 'Report merged in', 'e.reply': 'Reply',
  'e.note': 'Internal note', 'e.citizen_reply': 'Citizen replied', 'e.sla.started': 'SLA clock started', 'e.sla.completed': 'SLA clock met',
  'e.sla.paused': 'SLA clock paused', 'e.sla.resumed': 'SLA clock resumed', 'e.sla.restarted': 'SLA clock restarted', 'e.sla.stopped': 'SLA clock stopped',
  'e.sla.transferred': 'SLA moved to the new agency', 'e.sla.deadline_moved': 'Deadline changed', 'e.sla.warning': 'SLA warning',
  'e.sla.breached': 'SLA breached',
};

export type Lang = 'vi' | 'en';
const LANG_KEY = 'console.lang';

export function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}
export function storeLang(lang: Lang): void {
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* private mode: the switch just does not persist */ }
}

export type I18n = {
  lang: Lang;
  t: (k: MessageKey) => string;
  /** Label of an API code; the code itself when unknown (new codes still show something). */
  code: (c: string) => string;
  /** Label of a ticket event type: its own label, else the action's, else the type itself. */
  event: (type: string) => string;
  /** Picks the Vietnamese or English variant of API text (error messages, names). */
  pick: (vi: string, en: string) => string;
};

export function makeI18n(lang: Lang): I18n {
  const d: Dict = lang === 'en' ? en : vi;
  const codes = lang === 'en' ? codesEn : codesVi;
  return {
    lang, t: (k) => d[k], code: (c) => codes[c] ?? c, pick: (v, e) => (lang === 'en' ? e : v),
    event: (type) => codes[`e.${type}`] ?? codes[`a.${type}`] ?? type,
  };
}

export const I18nContext = createContext<I18n>(makeI18n('vi'));
export const useI18n = () => useContext(I18nContext);

/** "in 3 hours" / "2 ngày trước" from an ISO time, relative to now. */
export function relativeTime(iso: string, lang: Lang, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  if (abs < 60_000) return rtf.format(Math.round(diff / 1000), 'second');
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  return rtf.format(Math.round(diff / 86_400_000), 'day');
}

export function dateTime(iso: string, lang: Lang): string {
  return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { dateStyle: 'short', timeStyle: 'short' });
}
