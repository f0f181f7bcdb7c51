'use strict';
// The citizen portal: plain JavaScript, no build step, works on any phone browser.
const $ = (id) => document.getElementById(id);
const STATUS = {
  received: 'Đã tiếp nhận', triaged: 'Đã phân loại', assigned: 'Đã chuyển đơn vị xử lý', in_progress: 'Đang xử lý',
  waiting_for_citizen: 'Chờ công dân bổ sung thông tin', resolved: 'Đã có kết quả xử lý', closed: 'Đã hoàn thành',
  reopened: 'Xử lý lại', transferred: 'Đã chuyển đơn vị khác', returned: 'Đang xem xét lại', rejected: 'Không tiếp nhận', merged: 'Đã gộp với phản ánh trùng',
};
// Not `location`: a top-level `let location` collides with window.location and stops the whole script.
let picked = null;

fetch('/api/v1/categories').then((r) => r.json()).then((d) => {
  for (const c of d.categories) { const o = document.createElement('option'); o.value = c.code; o.textContent = c.nameVi; $('category').append(o); }
}).catch(() => {});

$('locate').addEventListener('click', () => {
  if (!navigator.geolocation) { $('location-status').textContent = 'Trình duyệt không hỗ trợ định vị.'; return; }
  $('location-status').textContent = 'Đang lấy vị trí…';
  navigator.geolocation.getCurrentPosition(
    (p) => { picked = { lat: p.coords.latitude, lng: p.coords.longitude }; $('location-status').textContent = `✓ ${picked.lat.toFixed(5)}, ${picked.lng.toFixed(5)}`; },
    () => { $('location-status').textContent = 'Không lấy được vị trí, vui lòng nhập địa chỉ.'; },
    { enableHighAccuracy: true, timeout: 10000 });
});

// Photos: from the camera or the gallery, at most 5 of ≤ 10 MB (the server checks again, by their bytes).
const MAX_PHOTOS = 5;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
let photos = [];
function renderPhotos() {
  const ul = $('photo-list');
  for (const img of ul.querySelectorAll('img')) URL.revokeObjectURL(img.src);
  ul.innerHTML = '';
  photos.forEach((f, i) => {
    const li = document.createElement('li');
    const img = Object.assign(document.createElement('img'), { src: URL.createObjectURL(f), alt: f.name });
    const rm = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Bỏ ảnh' });
    rm.addEventListener('click', () => { photos.splice(i, 1); renderPhotos(); });
    li.append(img, rm);
    ul.append(li);
  });
}
function addPhotos(input) {
  const notes = [];
  for (const f of input.files) {
    if (photos.length >= MAX_PHOTOS) { notes.push(`Chỉ gửi được tối đa ${MAX_PHOTOS} ảnh.`); break; }
    if (f.type && !f.type.startsWith('image/')) { notes.push(`"${f.name}" không phải ảnh.`); continue; }
    if (f.size > MAX_PHOTO_BYTES) { notes.push(`"${f.name}" lớn hơn 10 MB.`); continue; }
    photos.push(f);
  }
  input.value = '';
  $('photo-status').className = notes.length ? 'err' : '';
  $('photo-status').textContent = notes.join(' ');
  renderPhotos();
}
$('photo-camera').addEventListener('change', (e) => addPhotos(e.target));
$('photo-pick').addEventListener('change', (e) => addPhotos(e.target));

const clientRef = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
let pendingRef = clientRef();

$('report-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('report-result');
  const text = $('text').value.trim();
  if (text.length < 5) { out.className = 'err'; out.textContent = 'Vui lòng mô tả phản ánh (ít nhất 5 ký tự).'; return; }
  const contact = {};
  if ($('name').value.trim()) contact.name = $('name').value.trim();
  if ($('phone').value.trim()) contact.phone = $('phone').value.trim();
  if ($('email').value.trim()) contact.email = $('email').value.trim();
  if (Object.keys(contact).length) contact.shareWithAgency = $('share').checked;
  const body = { channel: 'web', text, clientRef: pendingRef, publish: $('publish').checked };
  if ($('category').value) body.category = $('category').value;
  const address = $('address').value.trim();
  if (picked) body.location = address ? { ...picked, address } : picked;
  else if (address) body.address = address;
  if (Object.keys(contact).length) body.contact = contact;
  out.className = ''; out.textContent = 'Đang gửi…';
  try {
    let r;
    if (photos.length) {
      // multipart/form-data: the same JSON in "report", the photos in "attachments" (the browser sets the boundary).
      const form = new FormData();
      form.append('report', JSON.stringify(body));
      for (const f of photos) form.append('attachments', f, f.name);
      out.textContent = `Đang gửi phản ánh và ${photos.length} ảnh…`;
      r = await fetch('/api/v1/reports', { method: 'POST', body: form });
    } else {
      r = await fetch('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    }
    const d = await r.json();
    if (!r.ok) { out.className = 'err'; out.textContent = d.error ? d.error.message : 'Gửi không thành công.'; return; }
    pendingRef = clientRef();
    out.className = 'ok';
    out.innerHTML = '';
    out.append(`Đã gửi. Mã phản ánh: `, Object.assign(document.createElement('strong'), { textContent: d.code }),
      `. Mã tra cứu: `, Object.assign(document.createElement('strong'), { textContent: d.trackingToken }), '. ',
      Object.assign(document.createElement('a'), { href: d.trackingUrl, textContent: 'Xem tiến độ' }));
    $('report-form').reset(); picked = null; photos = []; renderPhotos(); $('photo-status').textContent = '';
  } catch { out.className = 'err'; out.textContent = 'Không kết nối được máy chủ, vui lòng thử lại (phản ánh sẽ không bị gửi trùng).'; }
});

async function track(code, token) {
  const box = $('track-result');
  box.textContent = 'Đang tra cứu…';
  const r = await fetch(`/api/v1/reports/${encodeURIComponent(code)}?token=${encodeURIComponent(token)}`);
  if (!r.ok) { box.className = 'err'; box.textContent = 'Không tìm thấy phản ánh với mã và mã tra cứu này.'; return; }
  const d = await r.json();
  box.className = '';
  box.innerHTML = '';
  const p = (t) => Object.assign(document.createElement('p'), { textContent: t });
  box.append(p(`Mã: ${d.code} — ${STATUS[d.status] || d.status}`));
  if (d.category) box.append(p(`Lĩnh vực: ${d.category.name}`));
  if (d.agency) box.append(p(`Đơn vị xử lý: ${d.agency}`));
  if (d.resolution) box.append(p(`Kết quả: ${d.resolution}`));
  const ul = Object.assign(document.createElement('ul'), { className: 'timeline' });
  for (const ev of d.timeline) ul.append(Object.assign(document.createElement('li'), { textContent: `${new Date(ev.at).toLocaleString('vi-VN')}: ${STATUS[ev.status] || ev.status}` }));
  for (const m of d.replies) ul.append(Object.assign(document.createElement('li'), { textContent: `${new Date(m.at).toLocaleString('vi-VN')} — 1022: ${m.body}` }));
  box.append(ul);
}

$('track-form').addEventListener('submit', (e) => { e.preventDefault(); track($('track-code').value.trim(), $('track-token').value.trim()); });
const m = window.location.pathname.match(/^\/track\/([^/]+)$/);
const token = new URLSearchParams(window.location.search).get('token');
if (m && token) { $('track-code').value = decodeURIComponent(m[1]); $('track-token').value = token; track(decodeURIComponent(m[1]), token); $('track-section').scrollIntoView(); }
