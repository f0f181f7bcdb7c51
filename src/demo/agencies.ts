/** Hưng Yên's agencies after the 2025 merger (Hưng Yên + Thái Bình), and who answers what. */
export type DemoAgency = {
  code: string; nameVi: string; nameEn: string; kind: 'department' | 'police' | 'utility' | 'commune' | 'centre';
  alwaysOn?: boolean; communeCode?: string; categories?: string[];
};

export const DEMO_PROVINCE = '33';

export const DEMO_AGENCIES: DemoAgency[] = [
  { code: 'so-xay-dung', nameVi: 'Sở Xây dựng', nameEn: 'Department of Construction', kind: 'department', categories: ['giao-thong', 'xay-dung', 'trat-tu-do-thi', 'cay-xanh'] },
  { code: 'so-nong-nghiep-moi-truong', nameVi: 'Sở Nông nghiệp và Môi trường', nameEn: 'Department of Agriculture and Environment', kind: 'department', categories: ['moi-truong', 'dat-dai'] },
  { code: 'so-noi-vu', nameVi: 'Sở Nội vụ', nameEn: 'Department of Home Affairs (labour, social welfare)', kind: 'department', categories: ['an-sinh-xa-hoi'] },
  { code: 'so-y-te', nameVi: 'Sở Y tế', nameEn: 'Department of Health', kind: 'department', categories: ['y-te'] },
  { code: 'so-giao-duc', nameVi: 'Sở Giáo dục và Đào tạo', nameEn: 'Department of Education and Training', kind: 'department', categories: ['giao-duc'] },
  { code: 'so-van-hoa-du-lich', nameVi: 'Sở Văn hóa, Thể thao và Du lịch', nameEn: 'Department of Culture, Sports and Tourism', kind: 'department', categories: ['du-lich'] },
  { code: 'so-khoa-hoc-cong-nghe', nameVi: 'Sở Khoa học và Công nghệ', nameEn: 'Department of Science and Technology', kind: 'department' },
  { code: 'trung-tam-hanh-chinh-cong', nameVi: 'Trung tâm Phục vụ hành chính công tỉnh', nameEn: 'Provincial Public Administration Service Centre', kind: 'centre', categories: ['hanh-chinh-cong'] },
  { code: 'van-phong-ubnd-tinh', nameVi: 'Văn phòng UBND tỉnh', nameEn: 'Office of the Provincial People\'s Committee', kind: 'department', categories: ['khac'] },
  { code: 'cong-an-tinh', nameVi: 'Công an tỉnh Hưng Yên', nameEn: 'Hưng Yên Provincial Police', kind: 'police', alwaysOn: true, categories: ['an-ninh-trat-tu'] },
  { code: 'dien-luc-hung-yen', nameVi: 'Công ty Điện lực Hưng Yên', nameEn: 'Hưng Yên Power Company', kind: 'utility', alwaysOn: true, categories: ['dien-chieu-sang'] },
  { code: 'nuoc-sach-hung-yen', nameVi: 'Công ty Cổ phần Nước sạch Hưng Yên', nameEn: 'Hưng Yên Clean Water JSC', kind: 'utility', alwaysOn: true, categories: ['cap-thoat-nuoc'] },
  { code: 'ubnd-pho-hien', nameVi: 'UBND phường Phố Hiến', nameEn: 'Phố Hiến Ward People\'s Committee', kind: 'commune', communeCode: '11953' },
  { code: 'ubnd-son-nam', nameVi: 'UBND phường Sơn Nam', nameEn: 'Sơn Nam Ward People\'s Committee', kind: 'commune', communeCode: '11983' },
  { code: 'ubnd-thai-binh', nameVi: 'UBND phường Thái Bình', nameEn: 'Thái Bình Ward People\'s Committee', kind: 'commune', communeCode: '13225' },
  { code: 'ubnd-my-hao', nameVi: 'UBND phường Mỹ Hào', nameEn: 'Mỹ Hào Ward People\'s Committee', kind: 'commune', communeCode: '12103' },
];

/** Commune People's Committees answer urban order and small environment issues in their area. */
export const COMMUNE_CATEGORIES = ['trat-tu-do-thi', 'moi-truong'];
