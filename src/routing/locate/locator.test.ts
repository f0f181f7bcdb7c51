import { adminUnitRowsFromFiles, HUNG_YEN_COMMUNES_FILE } from './data-files';
import { AreaLocator, type AdminUnitRow } from './locator';

const rows = adminUnitRowsFromFiles('33', { boundariesFile: HUNG_YEN_COMMUNES_FILE });
const locator = AreaLocator.forProvince('33', { units: rows, aliases: [{ alias: 'KCN Phố Nối A', code: '12103' }] });

// Inside Phường Phố Hiến and Phường Thái Bình (checked in point-in-area.test.ts); Hoàn Kiếm is in Hà Nội.
const PHO_HIEN = { lat: 20.6599, lng: 106.06388 };
const THAI_BINH = { lat: 20.47343, lng: 106.30909 };
const HANOI = { lat: 21.0285, lng: 105.8542 };

describe('AreaLocator precedence', () => {
  it('1. a point inside a boundary wins over everything else', () => {
    const r = locator.locate({ ...PHO_HIEN, address: 'phường Sơn Nam', text: 'xã Tân Hưng', profileCommuneCode: '11977' });
    expect(r).toMatchObject({ communeCode: '11953', provinceCode: '33', via: 'point', confidence: 1 });
    expect(r.detail).toContain('nằm trong ranh giới Phường Phố Hiến');
  });

  it('2. a point outside every boundary falls through to the address, and says so', () => {
    const r = locator.locate({ ...HANOI, address: 'P. Sơn Nam, TP Hưng Yên' });
    expect(r).toMatchObject({ communeCode: '11983', via: 'address' });
    expect(r.detail).toMatch(/^Địa chỉ ghi "P\. Sơn Nam", tức Phường Sơn Nam/);
    expect(r.detail).toContain('nằm ngoài ranh giới');
  });

  it('2. address: current name, without diacritics and abbreviated', () => {
    expect(locator.locate({ address: 'xa tan hung' })).toMatchObject({ communeCode: '11977', via: 'address' });
    expect(locator.locate({ address: 'TT Như Quỳnh' })).toMatchObject({ communeCode: '12004', via: 'address' });
  });

  it('2. address: an old (pre-2025) name is reported as such', () => {
    const r = locator.locate({ address: 'xã Quảng Châu, TP Hưng Yên' });
    expect(r).toMatchObject({ communeCode: '11980', via: 'old_name' });
    expect(r.detail).toContain('tên cũ "xã Quảng Châu"');
    expect(r.detail).toContain('nay thuộc Phường Hồng Châu');
  });

  it('2. address: an admin alias', () => {
    const r = locator.locate({ address: 'Cổng số 2 KCN Phố Nối A' });
    expect(r).toMatchObject({ communeCode: '12103', via: 'alias' });
    expect(r.detail).toContain('quản trị viên');
  });

  it('2. the address field is read before the report text', () => {
    expect(locator.locate({ address: 'phường Sơn Nam', text: 'gần xã Tân Hưng' }).communeCode).toBe('11983');
    expect(locator.locate({ address: 'không rõ', text: 'ngập nặng ở xã Tân Hưng' })).toMatchObject({ communeCode: '11977', via: 'address' });
  });

  it('2. the report text needs stronger evidence than the address field', () => {
    // A bare two-syllable name is enough in an address, not in a free sentence.
    expect(locator.locate({ address: 'Phố Hiến' }).communeCode).toBe('11953');
    const r = locator.locate({ text: 'Phố Hiến dạo này nhiều rác', profileCommuneCode: '11977' });
    expect(r).toMatchObject({ communeCode: '11977', via: 'profile' });
    expect(r.detail).toContain('độ tin cậy thấp');
  });

  it('3. the channel profile commune when nothing else answers', () => {
    const r = locator.locate({ text: 'Đèn đường hỏng lâu rồi', profileCommuneCode: '12004' });
    expect(r).toMatchObject({ communeCode: '12004', provinceCode: '33', via: 'profile' });
    expect(r.detail).toContain('hồ sơ người gửi: Xã Như Quỳnh');
  });

  it('4. none: operators decide; an unknown profile code is noted, not used', () => {
    const r = locator.locate({ address: 'huyện Văn Lâm', text: 'Đèn đường hỏng lâu rồi', profileCommuneCode: '00070' });
    expect(r).toMatchObject({ communeCode: null, provinceCode: '33', via: 'none', confidence: 0 });
    expect(r.detail).toMatch(/^Chưa xác định được xã\/phường/);
    expect(r.detail).toContain('cán bộ điều phối quyết định');
    expect(r.detail).toContain('(00070) không thuộc');
    expect(r.detail).toContain('huyện cũ "huyện Văn Lâm", nay chia về 3 xã/phường');
    expect(locator.locate({})).toMatchObject({ communeCode: null, via: 'none' });
  });

  it('two communes in one address: the first is used and staff are told to check', () => {
    const r = locator.locate({ address: 'từ xã Tân Hưng sang phường Sơn Nam' });
    expect(r).toMatchObject({ communeCode: '11977', via: 'address' });
    expect(r.confidence).toBeLessThan(0.9);
    expect(r.detail).toContain('còn nêu "phường Sơn Nam"');
  });

  it('invalid coordinates are ignored with a note', () => {
    const r = locator.locate({ lat: Number.NaN, lng: 106, address: 'phường Sơn Nam' });
    expect(r).toMatchObject({ communeCode: '11983', via: 'address' });
    expect(r.detail).toContain('Tọa độ không hợp lệ');
    expect(locator.locate({ lat: 20.6, lng: null }).detail).toContain('Tọa độ không hợp lệ');
  });
});

describe('AreaLocator.forProvince', () => {
  it('works without boundaries: coordinates are noted and the address decides', () => {
    const noBoundaries = AreaLocator.forProvince('33', { units: adminUnitRowsFromFiles('33') });
    const r = noBoundaries.locate({ ...THAI_BINH, address: 'phường Lê Hồng Phong, TP Thái Bình' });
    expect(r).toMatchObject({ communeCode: '13225', via: 'old_name' });
    expect(r.detail).toContain('chưa nạp ranh giới');
  });

  it('keeps only the province\'s own communes from mixed rows', () => {
    const hanoi: AdminUnitRow[] = adminUnitRowsFromFiles('01').filter((u) => u.code === '00070');
    const mixed = AreaLocator.forProvince('33', { units: [...rows, ...hanoi], boundaries: [] });
    expect(mixed.locate({ address: 'phường Hoàn Kiếm' }).via).toBe('none');
    expect(mixed.locate({ profileCommuneCode: '00070' }).via).toBe('none');
    expect(mixed.locate({ ...PHO_HIEN }).via).toBe('none'); // explicit empty boundary list: no point step
    expect(mixed.locate({ address: 'phường Phố Hiến' }).communeCode).toBe('11953');
  });

  it('uses explicit boundaries over those on the rows', () => {
    const box = { type: 'Polygon' as const, coordinates: [[[106, 20], [107, 20], [107, 21], [106, 21], [106, 20]]] };
    const custom = AreaLocator.forProvince('33', { units: rows, boundaries: [{ code: '12004', geometry: box }] });
    expect(custom.locate({ ...THAI_BINH }).communeCode).toBe('12004');
  });

  it('takes boundaries from the rows, as loaded from the database', () => {
    expect(locator.locate({ ...THAI_BINH })).toMatchObject({ communeCode: '13225', via: 'point' });
  });
});
