import { anonymise, MASKS, searchTerms, toPublicText } from './anonymise';

describe('anonymise', () => {
  test.each([
    ['0912345678'], ['0912 345 678'], ['091.234.5678'], ['0912-345-678'], ['+84 912 345 678'], ['+84912345678'],
    ['84912345678'], ['(+84) 912 345 678'], ['0221 3862 123'], ['02213862123'],
  ])('phone %s', (phone) => {
    expect(anonymise(`Liên hệ ${phone} để biết thêm.`)).toBe(`Liên hệ ${MASKS.phone} để biết thêm.`);
    expect(anonymise(`sđt:${phone}`)).toBe(`sđt:${MASKS.phone}`);
  });

  test('e-mails, in any case', () => {
    expect(anonymise('Gửi về Nguyen.Van.An+1022@Gmail.com hoặc an@so-xd.hungyen.gov.vn nhé'))
      .toBe(`Gửi về ${MASKS.email} hoặc ${MASKS.email} nhé`);
  });

  test('ID numbers: CCCD (12 digits), CMND (9 digits, also from 0), grouped after their name; other long runs', () => {
    expect(anonymise('CCCD 001203012345, CMND 123456789, cmnd cũ 012345678')).toBe(
      `CCCD ${MASKS.idNumber}, CMND ${MASKS.idNumber}, cmnd cũ ${MASKS.idNumber}`);
    expect(anonymise('Số căn cước: 001 203 012 345.')).toBe(`Số căn cước: ${MASKS.idNumber}.`);
    expect(anonymise('STK 1903 5678 9012 tại Techcombank')).toBe(`STK ${MASKS.idNumber} tại Techcombank`);
    expect(anonymise('tài khoản 19035678901234')).toBe(`tài khoản ${MASKS.longNumber}`);
  });

  test.each([['89A-123.45'], ['29H1-12345'], ['30A 123.45'], ['29-H1 123.45'], ['51F12345'], ['30e-123.45'], ['29 LD 1234']])('plate %s', (plate) => {
    expect(anonymise(`Xe ${plate} đỗ trên vỉa hè.`)).toBe(`Xe ${MASKS.plate} đỗ trên vỉa hè.`);
  });

  test('house numbers go, the street and the alley stay', () => {
    const H = MASKS.houseNumber;
    expect(anonymise('Nhà tôi ở số 12 ngõ 5 Lê Lợi')).toBe(`Nhà tôi ở ${H} ngõ 5 Lê Lợi`);
    expect(anonymise('số nhà 45 đường Trần Phú; Số nhà: 7A, phường Hiến Nam')).toBe(`${H} đường Trần Phú; ${H}, phường Hiến Nam`);
    expect(anonymise('nhà số 9 ngách 3')).toBe(`${H} ngách 3`);
    expect(anonymise('trước số 10 Lê Lợi có ổ gà')).toBe(`trước ${H} Lê Lợi có ổ gà`);
    expect(anonymise('123/45 Nguyễn Trãi, 12/3 hẻm 5')).toBe(`${H} Nguyễn Trãi, ${H} hẻm 5`);
    expect(anonymise('ngõ 5 ngách 10 số 3 bị ngập')).toBe(`ngõ 5 ngách 10 ${H} bị ngập`);
    expect(anonymise('nhà 45 Lê Lợi bị ngập, trước 12 Nguyễn Văn Linh có ổ gà')).toBe(`nhà ${H} Lê Lợi bị ngập, trước ${H} Nguyễn Văn Linh có ổ gà`);
    expect(anonymise('so nha 45 duong Tran Phu')).toBe(`${H} duong Tran Phu`);
    expect(anonymise('Đường Lê Quý Đôn đoạn trước số 99 có ổ gà, đối diện số 4 là chợ')).toBe(`Đường Lê Quý Đôn đoạn trước ${H} có ổ gà, đối diện ${H} là chợ`);
    expect(anonymise('nhà 7 ngõ 3 bị nứt')).toBe(`nhà ${H} ngõ 3 bị nứt`);
  });

  test('what is not personal stays: dates, money, document numbers, road numbers, the hotline', () => {
    const keep = [
      'Ngày 12/3 UBND xã đã kiểm tra; 12/3/2024 Sở Xây dựng trả lời.',
      'Theo Công văn số 45 UBND và Quyết định số 123/QĐ-UBND, kinh phí 1.000.000.000 đồng, 10.000.000 đồng.',
      'Đường số 1 bị ngập từ năm 2024, quốc lộ 5 km 12, gọi tổng đài 1022 lúc 8h30.',
      'Ngõ 5 phố Lê Lợi, phường Hiến Nam, tỉnh Hưng Yên.',
      'Đã kiểm tra tại 5 xã, ở 3 phường; sau 2 tuần sẽ có kết quả.',
    ];
    for (const text of keep) expect(anonymise(text)).toBe(text);
  });

  test('known names: any case, with or without diacritics, whole words only; short names are left to the other rules', () => {
    const names = { names: ['Nguyễn Văn An'] };
    expect(anonymise('Ông NGUYỄN VĂN AN phản ánh; anh nguyen van an nói; Nguyễn  Văn An.', names))
      .toBe(`Ông ${MASKS.name} phản ánh; anh ${MASKS.name} nói; ${MASKS.name}.`);
    expect(anonymise('Nguyễn Văn Anh đến', names)).toBe('Nguyễn Văn Anh đến');
    expect(anonymise('an toàn giao thông', { names: ['An'] })).toBe('an toàn giao thông');
    // The longer name first, so its pieces do not leave half a name behind.
    expect(anonymise('Trần Thị Mai Lan gọi', { names: ['Mai Lan', 'Trần Thị Mai Lan'] })).toBe(`${MASKS.name} gọi`);
  });

  test('known phones and e-mails in other forms', () => {
    expect(anonymise('gọi 0912.34.56.78 hoặc +1 415 555 0100', { phones: ['+84912345678', '+14155550100'] }))
      .toBe(`gọi ${MASKS.phone} hoặc ${MASKS.phone}`);
  });

  test('text outside the rules is unchanged, and anonymising twice changes nothing more', () => {
    const text = 'Đèn đường trước số 12 Nguyễn Văn Linh hỏng 3 hôm, gọi 0912 345 678, email a.b@c.vn, xe 29H1-12345.';
    const once = anonymise(text, { names: ['Lê Thị Hoa'] });
    expect(once).toBe(`Đèn đường trước ${MASKS.houseNumber} Nguyễn Văn Linh hỏng 3 hôm, gọi ${MASKS.phone}, email ${MASKS.email}, xe ${MASKS.plate}.`);
    expect(anonymise(once, { names: ['Lê Thị Hoa'] })).toBe(once);
  });
});

describe('toPublicText', () => {
  test('description and answer anonymised with the citizen and staff known; search text folded and free of them', () => {
    const t = toPublicText({
      code: 'PA-2611-4K7QZ', channel: 'web',
      description: 'Tôi là Lê Thị Hoa, số nhà 45 đường Trần Phú, đt 0987 654 321, mail hoa.le@gmail.com: cống tắc.',
      resolution: 'Cán bộ Phạm Minh Tuấn đã liên hệ bà Lê Thị Hoa (0987654321) và nạo vét cống.',
      citizen: { name: 'Lê Thị Hoa', phone: '+84987654321', email: 'hoa.le@gmail.com' },
      staffNames: ['Phạm Minh Tuấn'],
    });
    expect(t.description).toBe(`Tôi là ${MASKS.name}, ${MASKS.houseNumber} đường Trần Phú, đt ${MASKS.phone}, mail ${MASKS.email}: cống tắc.`);
    expect(t.answer).toBe(`Cán bộ ${MASKS.name} đã liên hệ bà ${MASKS.name} (${MASKS.phone}) và nạo vét cống.`);
    expect(t.searchText).toContain('pa-2611-4k7qz');
    expect(t.searchText).toContain('cong tac');
    for (const leak of ['le thi hoa', 'hoa.le', '0987', 'gmail', 'minh tuan', '45']) expect(t.searchText).not.toContain(leak);
  });

  test("an Open311 client's media URL is not published", () => {
    const t = toPublicText({
      code: 'PA-1', channel: 'open311', description: 'Ổ gà\n\nẢnh/tệp đính kèm (media_url): https://img.example/1.jpg',
      resolution: 'Đã vá', citizen: { name: null, phone: null, email: null }, staffNames: [],
    });
    expect(t.description).toBe('Ổ gà');
  });
});

test('searchTerms: folded, distinct, at most 8', () => {
  expect(searchTerms('  Cống  THOÁT nước cống ')).toEqual(['cong', 'thoat', 'nuoc']);
  expect(searchTerms('a b c d e f g h i j')).toHaveLength(8);
  expect(searchTerms('   ')).toEqual([]);
});
