'use strict';
// The transparency page: plain JavaScript, no build step. Filters live in the address bar, so a
// filtered list can be shared as a link. Everything from the API is shown as text, never as HTML.
const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 10;
const CHANNELS = {
  phone: 'Điện thoại', sms: 'Tin nhắn SMS', email: 'Email', facebook: 'Facebook', zalo: 'Zalo',
  web: 'Cổng thông tin', app: 'Ứng dụng', open311: 'Open311',
};
const FIELDS = ['q', 'category', 'commune', 'month'];
let page = 1;

const el = (tag, props, ...children) => {
  const e = Object.assign(document.createElement(tag), props || {});
  e.append(...children);
  return e;
};
const date = (iso) => new Date(iso).toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
const monthLabel = (m) => { const [y, mo] = m.split('-'); return `Tháng ${Number(mo)}/${y}`; };

function readUrl() {
  const p = new URLSearchParams(window.location.search);
  for (const f of FIELDS) {
    const v = p.get(f) || '';
    // A choice from a shared link is kept even before (or without) the list of choices.
    if (v && $(f).tagName === 'SELECT') $(f).append(el('option', { value: v, textContent: v }));
    $(f).value = v;
  }
  page = Math.max(1, Number(p.get('page')) || 1);
}

function writeUrl() {
  const p = new URLSearchParams();
  for (const f of FIELDS) if ($(f).value.trim()) p.set(f, $(f).value.trim());
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
}

function fillSelect(id, options) {
  const select = $(id);
  const wanted = select.value;
  for (const o of options) {
    const label = `${o.label} (${o.count})`;
    const existing = [...select.options].find((x) => x.value === o.value);
    if (existing) existing.textContent = label;
    else select.append(el('option', { value: o.value, textContent: label }));
  }
  select.value = wanted;
}

async function loadFilters() {
  try {
    const r = await fetch('/api/v1/public/filters');
    if (!r.ok) return;
    const d = await r.json();
    fillSelect('category', d.categories.map((c) => ({ value: c.code, label: c.name, count: c.count })));
    fillSelect('commune', d.communes.map((c) => ({ value: c.code, label: c.name, count: c.count })));
    fillSelect('month', d.months.map((m) => ({ value: m.month, label: monthLabel(m.month), count: m.count })));
  } catch { /* the list still works without the filter choices */ }
}

function renderItem(it) {
  const meta = [
    it.category ? it.category.name : 'Chưa phân loại',
    it.commune ? it.commune.name : null,
    it.agency ? `Đơn vị xử lý: ${it.agency}` : null,
    `Kênh: ${CHANNELS[it.channel] || it.channel}`,
  ].filter(Boolean).join(' · ');
  return el('li', { className: 'public-report' },
    el('h3', {}, el('span', { className: 'code', textContent: it.code }), ' ',
      el('small', { textContent: `Tiếp nhận ${date(it.receivedAt)} · Có kết quả ${date(it.resolvedAt)}` })),
    el('p', { className: 'meta', textContent: meta }),
    el('p', { className: 'label', textContent: 'Nội dung phản ánh' }),
    el('p', { className: 'text', textContent: it.description }),
    el('p', { className: 'label', textContent: 'Trả lời của cơ quan chức năng' }),
    el('p', { className: 'text answer', textContent: it.answer }));
}

async function search() {
  writeUrl();
  const p = new URLSearchParams();
  for (const f of FIELDS) if ($(f).value.trim()) p.set(f, $(f).value.trim());
  p.set('page', String(page));
  p.set('pageSize', String(PAGE_SIZE));
  const list = $('results');
  const summary = $('summary');
  summary.className = '';
  summary.textContent = 'Đang tải…';
  try {
    const r = await fetch(`/api/v1/public/reports?${p}`);
    const d = await r.json();
    if (!r.ok) { summary.className = 'err'; summary.textContent = d.error ? d.error.message : 'Không tải được danh sách.'; list.replaceChildren(); return; }
    list.replaceChildren(...d.items.map(renderItem));
    const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
    summary.textContent = d.total ? `${d.total} phản ánh đã xử lý.` : 'Không có phản ánh nào phù hợp.';
    $('page-info').textContent = `Trang ${d.page}/${pages}`;
    $('prev').disabled = d.page <= 1;
    $('next').disabled = d.page >= pages;
  } catch {
    summary.className = 'err';
    summary.textContent = 'Không kết nối được máy chủ, vui lòng thử lại.';
  }
}

$('filter-form').addEventListener('submit', (e) => { e.preventDefault(); page = 1; search(); });
for (const f of ['category', 'commune', 'month']) $(f).addEventListener('change', () => { page = 1; search(); });
$('clear').addEventListener('click', () => { for (const f of FIELDS) $(f).value = ''; page = 1; search(); });
$('prev').addEventListener('click', () => { if (page > 1) { page--; search(); } });
$('next').addEventListener('click', () => { page++; search(); });

readUrl();
loadFilters().then(search);
