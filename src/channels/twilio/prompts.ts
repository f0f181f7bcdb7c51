/** What the IVR says, in Vietnamese (read by Twilio's Google vi-VN voice). Plain text builders. */

// Letters as Vietnamese speakers spell them, so a TTS voice reads a ticket code unambiguously.
const LETTERS: Record<string, string> = {
  A: 'a', B: 'bê', C: 'xê', D: 'đê', E: 'e', F: 'ép', G: 'giê', H: 'hát', J: 'gi', K: 'ca', M: 'em mờ', N: 'en nờ',
  P: 'pê', Q: 'quy', R: 'e rờ', S: 'ét xì', T: 'tê', V: 'vê', W: 'vê kép', X: 'ích xì', Y: 'i dài', Z: 'dét',
};

/** PA-2611-4K7QZ → "pê, a. 2, 6, 1, 1. 4, ca, 7, quy, dét" (groups separated by a pause). */
export function spellCode(code: string): string {
  return code
    .toUpperCase()
    .split('-')
    .map((group) => [...group].map((ch) => LETTERS[ch] ?? ch).join(', '))
    .join('. ');
}

const STATUS_VI: Record<string, string> = {
  received: 'đã được tiếp nhận, đang chờ phân loại',
  triaged: 'đã được phân loại, đang chờ chuyển đơn vị xử lý',
  assigned: 'đã được chuyển đến đơn vị xử lý',
  in_progress: 'đang được xử lý',
  waiting_for_citizen: 'đang chờ quý vị bổ sung thông tin',
  resolved: 'đã có kết quả xử lý',
  closed: 'đã hoàn thành',
  reopened: 'đã được mở lại để xử lý tiếp',
  transferred: 'đang được chuyển sang đơn vị khác',
  returned: 'đang được phân công lại',
  rejected: 'không thuộc phạm vi tiếp nhận xử lý',
  merged: 'đã được gộp với một phản ánh cùng nội dung',
};

export const prompts = {
  greeting: 'Tổng đài 1022 xin kính chào quý vị.',
  menu: 'Để gửi phản ánh, kiến nghị, xin nhấn phím 1. Để nghe tình trạng xử lý phản ánh gần nhất của quý vị, xin nhấn phím 2.',
  noInput: 'Xin lỗi, chúng tôi chưa nhận được lựa chọn của quý vị.',
  invalid: 'Xin lỗi, phím quý vị vừa nhấn chưa đúng.',
  goodbye: 'Xin cảm ơn quý vị đã gọi đến Tổng đài 1022. Xin chào và hẹn gặp lại.',
  askSummary: 'Xin quý vị nói ngắn gọn sự việc cần phản ánh và nơi xảy ra sự việc.',
  askRecording:
    'Sau tiếng bíp, xin quý vị trình bày đầy đủ nội dung phản ánh, kèm địa chỉ cụ thể, trong tối đa hai phút. ' +
    'Nói xong, xin nhấn phím thăng hoặc gác máy.',
  recorded:
    'Xin cảm ơn quý vị. Phản ánh của quý vị đã được ghi nhận. Mã phản ánh sẽ được gửi đến quý vị bằng tin nhắn. Xin chào.',
  nothingHeard: 'Xin lỗi, chúng tôi chưa nghe được nội dung phản ánh. Xin quý vị vui lòng gọi lại. Xin chào.',
  hiddenNumber:
    'Số điện thoại của quý vị đang bị ẩn nên chúng tôi không tra cứu được. Quý vị có thể tra cứu bằng mã phản ánh trên cổng thông tin 1022.',
  noTicket: 'Chúng tôi chưa tìm thấy phản ánh nào gắn với số điện thoại quý vị đang gọi.',
  busy: 'Xin lỗi, hệ thống đang bận. Xin quý vị vui lòng gọi lại sau ít phút. Xin chào.',
  ticketStatus: (t: { code: string; status: string; agencyName: string | null }) =>
    `Phản ánh gần nhất của quý vị có mã: ${spellCode(t.code)}. ` +
    `Phản ánh này ${STATUS_VI[t.status] ?? 'đang được xử lý'}.` +
    (t.agencyName ? ` Đơn vị xử lý: ${t.agencyName}.` : ''),
};

/** When the citizen said nothing the recogniser understood: the ticket text points to the recording. */
export const RECORDING_ONLY_TEXT = 'Phản ánh qua tổng đài điện thoại: nội dung trong tệp ghi âm đính kèm. (Phone report: see the attached recording.)';
