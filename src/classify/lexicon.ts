/**
 * Domain vocabulary per category, as prior knowledge for a model trained on ~100 examples per
 * category: a term that is rare in the training data (say "tách thửa") still fires the category's
 * lexicon feature, whose weight the model learns from all the common terms. The lexicon only adds
 * features; the model decides how much they count. Terms are matched on folded syllables.
 */
import { foldVietnamese } from '../shared/text';

export const CATEGORY_LEXICON: Record<string, string[]> = {
  'giao-thong': [
    'ổ gà', 'ổ voi', 'mặt đường', 'đèn tín hiệu', 'đèn giao thông', 'đèn xanh đèn đỏ', 'biển báo', 'ùn tắc', 'tắc đường', 'kẹt xe',
    'dừng đỗ', 'xe buýt', 'nhà chờ', 'điểm dừng', 'tai nạn giao thông', 'va chạm', 'ngã tư', 'nút giao', 'vạch kẻ đường', 'dải phân cách',
    'gờ giảm tốc', 'quá tải', 'xe tải', 'xe container', 'tài xế', 'cảnh sát giao thông', 'phạt nguội', 'làn đường', 'làn xe', 'cầu yếu',
    'cầu treo', 'cầu vượt', 'quốc lộ', 'tỉnh lộ', 'đường tỉnh', 'cao tốc', 'hộ lan', 'camera giao thông', 'phương tiện', 'xe khách',
    'đường liên xã', 'đường liên thôn', 'sụt lún mặt đường', 'bong tróc', 'gương cầu lồi', 'đèn cảnh báo', 'đi ngược chiều', 'an toàn giao thông',
  ],
  'trat-tu-do-thi': [
    'lấn chiếm vỉa hè', 'lấn chiếm lòng đường', 'vỉa hè', 'hàng rong', 'bán hàng rong', 'bày bán', 'chợ cóc', 'chợ tạm', 'chợ tự phát',
    'biển quảng cáo', 'quảng cáo', 'băng rôn', 'tờ rơi', 'rao vặt', 'dán quảng cáo', 'mái che', 'quán nhậu', 'bàn ghế', 'trông giữ xe',
    'giữ xe', 'xe đẩy', 'mỹ quan đô thị', 'trật tự đô thị', 'hàng quán', 'rửa xe', 'sửa xe', 'mái hiên', 'bạt che', 'bục bệ', 'tập kết hàng',
    'phố đi bộ', 'hè phố', 'kinh doanh tràn', 'bảng hiệu', 'biển hiệu', 'treo biển', 'đội trật tự',
  ],
  'xay-dung': [
    'giấy phép xây dựng', 'cấp phép xây dựng', 'xây dựng không phép', 'sai phép', 'xây dựng trái phép', 'không phép', 'công trình', 'thi công',
    'nhà thầu', 'chủ đầu tư', 'giàn giáo', 'cần cẩu', 'hố móng', 'ép cọc', 'khoan cọc', 'cọc nhồi', 'bê tông', 'vật liệu xây dựng',
    'phế thải xây dựng', 'quy hoạch', 'quy hoạch chi tiết', 'chỉ giới', 'ban công', 'cơi nới', 'xây thêm tầng', 'nứt tường', 'lún nứt',
    'chung cư', 'khu đô thị', 'dự án', 'nhà ở xã hội', 'kè', 'chất lượng công trình', 'bản vẽ', 'xây nhà', 'sửa nhà', 'tường rào',
    'công trường', 'san lấp', 'xà gồ', 'móng nhà', 'nhà xưởng', 'thiết kế',
  ],
  'moi-truong': [
    'rác', 'rác thải', 'thu gom rác', 'bãi rác', 'đổ trộm', 'xả thải', 'ô nhiễm', 'mùi hôi', 'bốc mùi', 'hôi thối', 'khói', 'đốt rác',
    'đốt rơm', 'khói bụi', 'bụi', 'tiếng ồn', 'xác động vật', 'cá chết', 'hóa chất', 'chất thải', 'lò gạch', 'lò đốt', 'trại lợn', 'chăn nuôi',
    'ruồi muỗi', 'môi trường', 'vệ sinh môi trường', 'xe rác', 'túi nilon', 'phế liệu', 'khí thải', 'nước thải công nghiệp', 'sông ô nhiễm',
    'kênh mương', 'mương', 'ao tù', 'xác chết', 'đốt vàng mã', 'tái chế',
  ],
  'cap-thoat-nuoc': [
    'nước máy', 'nước sạch', 'mất nước', 'cúp nước', 'nước yếu', 'áp lực nước', 'nước đục', 'nước bẩn', 'vỡ ống', 'ống nước', 'đường ống',
    'tiền nước', 'đồng hồ nước', 'công ty nước', 'cấp nước', 'thoát nước', 'cống', 'tắc cống', 'nắp cống', 'hố ga', 'ngập', 'ngập úng',
    'ngập nước', 'úng', 'rãnh thoát', 'nước tràn', 'nước thải sinh hoạt', 'bể phốt', 'trạm bơm', 'nhà máy nước', 'hóa đơn nước', 'nước có mùi',
    'cống hộp', 'ống cấp', 'sinh hoạt',
  ],
  'dien-chieu-sang': [
    'mất điện', 'cúp điện', 'điện lực', 'tiền điện', 'hóa đơn điện', 'công tơ', 'đồng hồ điện', 'dây điện', 'cột điện', 'trạm biến áp',
    'biến áp', 'điện áp', 'chập điện', 'đèn đường', 'chiếu sáng', 'bóng đèn', 'đèn chiếu sáng', 'tủ điện', 'dây cáp', 'cáp viễn thông',
    'sụt áp', 'điện yếu', 'chập chờn', 'giật điện', 'điện giật', 'đèn cao áp', 'đèn hỏng', 'cắt điện', 'lưới điện', 'dây điện võng', 'đường dây',
  ],
  'cay-xanh': [
    'cây xanh', 'cây đổ', 'gãy cành', 'cành cây', 'tỉa cành', 'chặt cây', 'đốn cây', 'cây cổ thụ', 'cây nghiêng', 'rễ cây', 'gốc cây',
    'công viên', 'vườn hoa', 'sân chơi', 'khu vui chơi', 'thảm cỏ', 'bồn hoa', 'cắt tỉa', 'cây mục', 'cây chết', 'trồng cây', 'hàng cây',
    'cây bàng', 'cây phượng', 'cây sấu', 'xà cừ', 'cây xà cừ', 'tán cây', 'cành khô', 'dây leo', 'cây gãy', 'cây si', 'cây đa', 'cỏ dại',
  ],
  'an-ninh-trat-tu': [
    'trộm', 'trộm cắp', 'mất trộm', 'móc túi', 'cướp', 'cướp giật', 'đánh nhau', 'gây rối', 'cờ bạc', 'đánh bạc', 'lô đề', 'ma túy',
    'nghiện', 'tiêm chích', 'karaoke', 'loa kẹo kéo', 'ồn ào', 'đua xe', 'bốc đầu', 'lừa đảo', 'đòi nợ', 'tín dụng đen', 'xã hội đen',
    'côn đồ', 'đe dọa', 'hung khí', 'súng', 'công an', 'lạ mặt', 'đối tượng', 'khả nghi', 'say rượu', 'trấn lột', 'mại dâm', 'bảo kê',
    'hát hò', 'nhậu nhẹt', 'quấy rối', 'tụ tập', 'lừa', 'chiếm đoạt', 'vay nặng lãi', 'bắt cóc', 'an ninh',
  ],
  'dat-dai': [
    'đất', 'thửa đất', 'sổ đỏ', 'sổ hồng', 'quyền sử dụng đất', 'tách thửa', 'hợp thửa', 'chuyển mục đích', 'đất nông nghiệp', 'đất ở',
    'đất công', 'lấn chiếm đất', 'tranh chấp đất', 'tranh chấp', 'ranh giới', 'mốc giới', 'đo đạc', 'địa chính', 'bản đồ địa chính', 'trích lục',
    'thu hồi đất', 'đền bù', 'bồi thường', 'giải phóng mặt bằng', 'tái định cư', 'giao đất', 'thuê đất', 'chuyển nhượng', 'thừa kế',
    'tặng cho', 'ruộng', 'đất vườn', 'đất dịch vụ', 'giãn dân', 'đấu giá đất', 'giá đất', 'biến động đất đai', 'đất đai', 'mồ mả',
    'cưỡng chế', 'lấn chiếm', 'mảnh đất', 'thổ cư', 'văn phòng đăng ký đất đai',
  ],
  'hanh-chinh-cong': [
    'thủ tục', 'hồ sơ', 'một cửa', 'dịch vụ công', 'cổng dịch vụ công', 'trực tuyến', 'nộp hồ sơ', 'quá hạn', 'trễ hẹn', 'trả kết quả',
    'giấy tờ', 'chứng thực', 'công chứng', 'sao y', 'hộ tịch', 'khai sinh', 'khai tử', 'đăng ký kết hôn', 'thường trú', 'tạm trú', 'cư trú',
    'hộ khẩu', 'căn cước', 'định danh', 'vneid', 'hộ chiếu', 'đăng ký kinh doanh', 'doanh nghiệp', 'cán bộ', 'thái độ', 'nhũng nhiễu',
    'lệ phí', 'cấp lại', 'xác nhận', 'giấy xác nhận', 'bộ phận tiếp nhận', 'tiếp công dân', 'phiếu hẹn', 'ký số', 'chữ ký số', 'mã hồ sơ',
  ],
  'y-te': [
    'bệnh viện', 'phòng khám', 'trạm y tế', 'bác sĩ', 'y tá', 'điều dưỡng', 'bảo hiểm y tế', 'khám bệnh', 'chữa bệnh', 'nhập viện',
    'thuốc', 'nhà thuốc', 'hiệu thuốc', 'ngộ độc', 'ngộ độc thực phẩm', 'an toàn thực phẩm', 'vệ sinh thực phẩm', 'sốt xuất huyết',
    'dịch bệnh', 'ổ dịch', 'tiêm chủng', 'vắc xin', 'bệnh dại', 'chó dại', 'tay chân miệng', 'thực phẩm bẩn', 'đau bụng', 'tiêu chảy',
    'nôn', 'sản phụ', 'xe cứu thương', 'y đức', 'y tế', 'khám chữa bệnh', 'bệnh nhân', 'người bệnh', 'ca bệnh', 'thức ăn', 'phẫu thuật',
    'viện phí', 'thực phẩm', 'hết hạn sử dụng', 'nguồn gốc', 'bếp ăn',
  ],
  'giao-duc': [
    'trường', 'trường học', 'học sinh', 'giáo viên', 'cô giáo', 'thầy giáo', 'phụ huynh', 'học phí', 'khoản thu', 'dạy thêm', 'học thêm',
    'tuyển sinh', 'nhập học', 'lớp học', 'mầm non', 'tiểu học', 'trung học cơ sở', 'trung học phổ thông', 'sách giáo khoa', 'đồng phục',
    'cha mẹ học sinh', 'bạo lực học đường', 'kỳ thi', 'điểm thi', 'bán trú', 'hiệu trưởng', 'trung tâm ngoại ngữ', 'giáo dục', 'lớp',
    'cô', 'thầy', 'sĩ số', 'học bạ', 'chuyển trường', 'trái tuyến', 'đúng tuyến', 'giờ học', 'nhà trẻ', 'học bổng',
  ],
  'an-sinh-xa-hoi': [
    'trợ cấp', 'hộ nghèo', 'cận nghèo', 'khuyết tật', 'người cao tuổi', 'lương hưu', 'bảo hiểm xã hội', 'bảo hiểm thất nghiệp',
    'nợ lương', 'chậm lương', 'trả lương', 'tiền công', 'công nhân', 'người lao động', 'lao động', 'hợp đồng lao động', 'sa thải', 'việc làm',
    'thất nghiệp', 'trẻ em', 'bạo hành', 'xâm hại', 'bảo trợ', 'vô gia cư', 'lang thang', 'neo đơn', 'người có công', 'thương binh',
    'liệt sĩ', 'trợ cấp xã hội', 'xuất khẩu lao động', 'bóc lột', 'tàn tật', 'mồ côi', 'tăng ca', 'làm thêm giờ', 'chủ xưởng', 'tiền lương',
    'trợ giúp', 'bảo trợ xã hội', 'gia đình chính sách', 'chế độ',
  ],
  'du-lich': [
    'du lịch', 'khách du lịch', 'tour', 'homestay', 'khách sạn', 'nhà nghỉ', 'lễ hội', 'di tích', 'đền', 'chùa', 'danh lam', 'văn hóa',
    'sự kiện', 'biểu diễn', 'chặt chém', 'giá vé', 'vé tham quan', 'hướng dẫn viên', 'điểm du lịch', 'ẩm thực', 'đặc sản', 'văn nghệ',
    'bảo tàng', 'thư viện', 'di sản', 'tham quan', 'du khách', 'khách tham quan', 'resort', 'khu du lịch', 'phố cổ', 'đình', 'miếu', 'làng nghề',
  ],
  khac: [
    'cảm ơn', 'góp ý', 'đề xuất', 'khen', 'khen ngợi', 'phản hồi', 'tổng đài', 'ứng dụng', 'hỏi đáp', 'trân trọng', 'biểu dương', 'ý kiến',
    'chúc mừng', 'tra cứu thông tin', 'gợi ý', 'đường dây nóng',
  ],
};

interface Term {
  words: string[];
  category: string;
}

/** Finds lexicon terms in folded tokens; terms are indexed by their first word. */
export class Lexicon {
  private readonly byFirst = new Map<string, Term[]>();

  /** `prefix` names the features: `l:` + category for categories, `u:` + group for urgency cues. */
  constructor(lexicon: Record<string, string[]> = CATEGORY_LEXICON, private readonly prefix = 'l:') {
    for (const [category, terms] of Object.entries(lexicon)) {
      for (const term of terms) {
        const words = foldVietnamese(term).split(/\s+/).filter(Boolean);
        const list = this.byFirst.get(words[0]) ?? [];
        list.push({ words, category });
        this.byFirst.set(words[0], list);
      }
    }
    // Longest terms first, so that "ô nhiễm" inside a longer term is not counted twice.
    for (const list of this.byFirst.values()) list.sort((a, b) => b.words.length - a.words.length);
  }

  /** One `<prefix><category>` feature per matched term; a term's words are not reused by shorter terms. */
  features(foldedTokens: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < foldedTokens.length; i++) {
      const terms = this.byFirst.get(foldedTokens[i]);
      if (!terms) continue;
      let matched = 0;
      for (const t of terms) {
        if (matched > t.words.length) break;
        if (t.words.every((w, k) => foldedTokens[i + k] === w)) {
          out.push(this.prefix + t.category);
          matched = t.words.length;
        }
      }
      if (matched > 0) i += matched - 1;
    }
    return out;
  }
}

/**
 * Cues of urgency, grouped, as features for the priority model: time ("đang", "ngay"), danger,
 * vulnerable people at risk, calls for help. Broader and less precise than the urgent rules,
 * which force "urgent"; these only inform the model.
 */
export const URGENCY_CUES: Record<string, string[]> = {
  now: [
    'đang', 'ngay', 'gấp', 'khẩn', 'liền', 'vừa', 'lúc này', 'bây giờ', 'hiện giờ', 'tức thì', 'ngay lập tức', 'kịp thời', 'now', 'right now',
    'vừa xảy ra', 'mới xảy ra', 'vừa mới', 'đêm nay', 'tối nay', 'sáng nay', 'trong đêm', 'từ sáng', 'từ tối', 'mấy phút',
  ],
  danger: [
    'nguy hiểm', 'tính mạng', 'sắp đổ', 'sắp sập', 'nguy cơ sập', 'tai nạn', 'cứu hộ', 'cứu thương', 'tóe lửa', 'tia lửa', 'máu', 'ngất',
    'cháy', 'lửa', 'khói', 'nổ', 'ngập', 'sập', 'đổ', 'sạt', 'điện giật', 'rơi', 'đứt', 'chết', 'thương', 'đuối', 'cuốn', 'kẹt',
    'ngã', 'lao xuống', 'rơi xuống', 'văng', 'khét', 'rò rỉ', 'mất kiểm soát', 'dâng cao', 'nước dâng', 'vỡ', 'sụp', 'suýt', 'mất tích',
  ],
  hazard: ['nứt', 'toác', 'nghiêng', 'rung lắc', 'lủng lẳng', 'lơ lửng', 'hở', 'hố', 'trơn', 'sụt', 'lún', 'treo', 'gãy', 'lung lay', 'mục'],
  violence: [
    'dao', 'kiếm', 'gậy', 'đánh', 'đâm', 'chém', 'đe dọa', 'bạo lực', 'xô xát', 'ẩu đả', 'vây', 'đập phá', 'quá khích', 'xô đẩy', 'giằng co',
    'chửi', 'đập', 'ném', 'hành hung', 'khống chế', 'bị nhốt', 'đuổi đánh', 'tụ tập', 'hàng trăm', 'chặn', 'ngăn cản', 'máy xúc', 'máy ủi',
  ],
  distress: ['hoảng', 'hoảng loạn', 'sợ', 'la hét', 'khóc', 'kêu', 'run', 'co giật', 'sốt cao', 'nôn', 'ói', 'lạc', 'đi lạc', 'bỏ rơi', 'kiệt sức'],
  people: ['trẻ em', 'trẻ con', 'cháu bé', 'em bé', 'người già', 'cụ già', 'học sinh', 'người đi đường', 'bên trong', 'nhiều người', 'bà bầu', 'người dân'],
  help: ['cứu', 'giúp', 'giùm', 'help', 'báo giúp', 'gọi giúp', 'xuống ngay', 'đến ngay', 'có mặt ngay', 'hỗ trợ khẩn', 'cần người'],
};
