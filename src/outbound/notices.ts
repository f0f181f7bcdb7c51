/** What the citizen is told, Vietnamese first. Pure text builders. */
export type NoticeContext = { code: string; trackingUrl: string; agencyName?: string | null; reason?: string | null; otherCode?: string | null };

export const notices = {
  received: (c: NoticeContext) =>
    c.agencyName
      // Routed before the acknowledgement went out: one message says both.
      ? `Tổng đài 1022 đã tiếp nhận phản ánh của bạn và chuyển đến ${c.agencyName} để xử lý. Mã phản ánh: ${c.code}. Tra cứu tiến độ: ${c.trackingUrl}\n` +
        `(1022 has received your report and sent it to ${c.agencyName}. Ticket code: ${c.code}.)`
      : `Tổng đài 1022 đã tiếp nhận phản ánh của bạn. Mã phản ánh: ${c.code}. Tra cứu tiến độ: ${c.trackingUrl}\n` +
        `(1022 has received your report. Ticket code: ${c.code}.)`,
  assigned: (c: NoticeContext) =>
    `Phản ánh ${c.code} đã được chuyển đến ${c.agencyName ?? 'đơn vị chức năng'} để xử lý.\n` +
    `(Report ${c.code} has been sent to ${c.agencyName ?? 'the responsible agency'}.)`,
  rejected: (c: NoticeContext) =>
    `Phản ánh ${c.code} không được tiếp nhận xử lý. Lý do: ${c.reason ?? '—'}\n(Report ${c.code} was not accepted.)`,
  merged: (c: NoticeContext) =>
    `Phản ánh ${c.code} trùng nội dung với phản ánh ${c.otherCode}, đã được gộp lại. Bạn sẽ nhận kết quả xử lý chung.\n` +
    `(Report ${c.code} duplicates ${c.otherCode} and was merged; you will receive its outcome.)`,
  resolvedForMerged: (c: NoticeContext, resolution: string) =>
    `Kết quả xử lý phản ánh ${c.code} (gộp với ${c.otherCode}): ${resolution}`,
};
