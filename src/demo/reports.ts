/** Report texts in the styles citizens write: full Vietnamese, no diacritics, teen-code, short chat. */
export const DEMO_REPORTS: Record<string, string[]> = {
  'giao-thong': [
    'Đường {street} đoạn trước số {n} có ổ gà rất sâu, tối qua có người đi xe máy bị ngã. Đề nghị sửa chữa sớm.',
    'den giao thong nga tu {street} hong tu sang, xe di lon xon rat nguy hiem',
    'Biển báo cấm đỗ xe trên đường {street} bị đổ, xe tải đỗ tràn lan gây ùn tắc giờ tan tầm.',
    'ad oi duong {street} bi sut lun 1 doan dai, nuoc dong, xe may di qua rat de nga',
  ],
  'trat-tu-do-thi': [
    'Quán nhậu trên đường {street} lấn chiếm toàn bộ vỉa hè, người đi bộ phải xuống lòng đường.',
    'hang rong bay ban truoc cong cho {commune} chiem het duong, ko ai xu ly',
    'Băng rôn quảng cáo treo trái phép trên cột điện dọc đường {street}, nhiều tấm rách rủ xuống đường.',
  ],
  'xay-dung': [
    'Công trình nhà ở số {n} {street} xây vượt tầng so với giấy phép, đổ vật liệu ra đường.',
    'cong trinh o ngo {n} {street} lam ca dem, bui mu mit, k che chan gi',
    'Xin hỏi thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ tại {commune} cần những giấy tờ gì?',
  ],
  'moi-truong': [
    'Rác ở đầu ngõ {n} {street} 3 ngày nay không ai thu gom, bốc mùi hôi thối.',
    'co nguoi dot rac thai cong nghiep o bai dat trong gan {commune}, khoi den ca xom',
    'Mương thoát nước khu dân cư {commune} ô nhiễm nặng, nước đen, cá chết nổi trắng.',
    'Xưởng gỗ trên đường {street} chạy máy đến 11h đêm, tiếng ồn và mùi sơn rất khó chịu.',
  ],
  'cap-thoat-nuoc': [
    'Nước máy khu phố {n} {commune} mất từ sáng đến giờ chưa có lại.',
    'ong nuoc vo tren duong {street}, nuoc chay lenh lang ca buoi sang',
    'Nắp cống trước số {n} {street} bị vỡ, hố sâu rất nguy hiểm cho trẻ em.',
    'mưa xong là đường {street} ngập nửa bánh xe, cống bị tắc lâu rồi',
  ],
  'dien-chieu-sang': [
    'Đèn đường trên đường {street} hỏng 5 bóng liên tiếp, buổi tối rất tối.',
    'cot dien truoc nha so {n} {street} bi nghieng, day dien vong xuong thap nguy hiem qua',
    'Khu vực {commune} mất điện từ 2h chiều chưa có lại, không có thông báo trước.',
  ],
  'cay-xanh': [
    'Cây xà cừ trước số {n} {street} bị nghiêng sau bão, có nguy cơ đổ vào nhà dân.',
    'cay o cong vien {commune} gay canh to do xuong loi di, chua ai don',
  ],
  'an-ninh-trat-tu': [
    'Nhà số {n} {street} hát karaoke đến 12h đêm ngày nào cũng vậy, ảnh hưởng giấc ngủ cả khu.',
    'co nhom thanh nien dua xe tren duong {street} luc 1h sang, no po inh oi',
    'Có đối tượng lạ lảng vảng trộm cắp xe máy ở khu trọ công nhân {commune}.',
  ],
  'dat-dai': [
    'Hồ sơ cấp sổ đỏ của gia đình tôi nộp ở {commune} đã 6 tháng chưa có kết quả.',
    'nha hang xom lan chiem dat ngo di chung o {commune}, da bao thon ma ko giai quyet',
  ],
  'hanh-chinh-cong': [
    'Hồ sơ đăng ký khai sinh nộp trực tuyến trên Cổng dịch vụ công đã quá hạn 5 ngày chưa được trả.',
    'lam cccd cho con o {commune} bi yeu cau nop them giay to ko co trong quy dinh',
    'Cán bộ một cửa {commune} thái độ không đúng mực khi hướng dẫn thủ tục.',
  ],
  'y-te': [
    'Trạm y tế {commune} đóng cửa giờ hành chính, không có ai trực.',
    'nghi ngo ngo doc thuc pham o bep an truong mam non {commune}, 5 chau bi non',
  ],
  'giao-duc': [
    'Trường tiểu học ở {commune} thu thêm nhiều khoản ngoài quy định đầu năm học.',
    'giao vien bat hoc them o nha, khong hoc thi bi danh gia kem',
  ],
  'an-sinh-xa-hoi': [
    'Mẹ tôi 82 tuổi ở {commune} chưa được nhận trợ cấp người cao tuổi 3 tháng nay.',
    'cong ty o KCN {commune} no luong cong nhan 2 thang roi',
  ],
  'du-lich': [
    'Khu di tích Phố Hiến bãi xe thu phí cao gấp đôi niêm yết vào dịp lễ.',
    'Đề nghị tỉnh tổ chức thêm hoạt động văn hóa dịp lễ hội nhãn lồng Hưng Yên.',
  ],
  khac: [
    'Cảm ơn phường {commune} đã xử lý rất nhanh vụ cây đổ tuần trước.',
    'Xin hỏi số điện thoại đường dây nóng của UBND tỉnh là gì ạ?',
  ],
};

export const STREETS = ['Nguyễn Văn Linh', 'Điện Biên', 'Lê Lợi', 'Trần Hưng Đạo', 'Phạm Ngũ Lão', 'Lý Bôn', 'Hai Bà Trưng', 'Tô Hiệu', 'Chu Mạnh Trinh', 'Bãi Sậy', 'Hoàng Hoa Thám', 'Lê Quý Đôn'];
export const FAMILY_NAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Ngô'];
export const GIVEN_NAMES = ['Văn Minh', 'Thị Lan', 'Quốc Huy', 'Thị Hoa', 'Văn Hùng', 'Thu Trang', 'Đức Anh', 'Thị Mai', 'Văn Nam', 'Ngọc Ánh', 'Minh Châu', 'Văn Tuấn'];

export const RESOLUTIONS: Record<string, string> = {
  'giao-thong': 'Đơn vị đã vá ổ gà và khắc phục mặt đường, đảm bảo an toàn giao thông.',
  'trat-tu-do-thi': 'Tổ trật tự đô thị đã kiểm tra, yêu cầu các hộ kinh doanh thu dọn, trả lại vỉa hè.',
  'xay-dung': 'Thanh tra xây dựng đã lập biên bản, yêu cầu chủ đầu tư khắc phục vi phạm.',
  'moi-truong': 'Đơn vị vệ sinh môi trường đã thu gom xử lý, tăng tần suất thu gom tại điểm này.',
  'cap-thoat-nuoc': 'Công ty nước sạch đã sửa chữa sự cố, cấp nước trở lại bình thường.',
  'dien-chieu-sang': 'Điện lực đã thay thế bóng đèn hỏng và gia cố cột điện.',
  'cay-xanh': 'Đơn vị cây xanh đã cắt tỉa, chằng chống cây nghiêng.',
  'an-ninh-trat-tu': 'Công an phường đã kiểm tra, nhắc nhở và xử lý theo quy định.',
  'dat-dai': 'UBND xã đã rà soát hồ sơ, hẹn trả kết quả và hướng dẫn công dân bổ sung.',
  'hanh-chinh-cong': 'Trung tâm đã xử lý hồ sơ và trả kết quả cho công dân, chấn chỉnh cán bộ liên quan.',
  'y-te': 'Sở Y tế đã chỉ đạo kiểm tra, chấn chỉnh việc trực tại trạm y tế.',
  'giao-duc': 'Sở Giáo dục đã yêu cầu nhà trường hoàn trả các khoản thu sai quy định.',
  'an-sinh-xa-hoi': 'Địa phương đã chi trả đầy đủ trợ cấp còn thiếu cho công dân.',
  'du-lich': 'Ban quản lý di tích đã xử lý việc thu phí sai niêm yết.',
  khac: 'Tổng đài 1022 đã tiếp nhận và phản hồi thông tin cho công dân.',
};
