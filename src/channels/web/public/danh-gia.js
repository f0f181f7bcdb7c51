'use strict';
// The satisfaction survey page: /danh-gia/<token>. Plain JavaScript, like the portal.
const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split('/').pop() || '');
const api = `/api/v1/surveys/${encodeURIComponent(token)}`;
let selected = null;

function say(text) { $('survey-status').textContent = text; }

async function call(url, body) {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && (data.error.message || data.error.messageVi)) || `Lỗi ${res.status}`);
  return data;
}

function showDone(s) {
  $('survey-form').hidden = true;
  $('survey-done').hidden = false;
  const a = s.answer;
  $('survey-done-text').textContent = s.reopenRequested || s.reopened
    ? 'Cảm ơn bạn. Phản ánh đã được mở lại để xử lý tiếp.'
    : a ? `Cảm ơn bạn đã đánh giá${a.score ? ` (${a.score}/5)` : ''}: ${a.satisfied ? 'hài lòng' : 'chưa hài lòng'}.` : 'Phiếu khảo sát không còn nhận trả lời.';
  $('survey-reopen-button').hidden = !s.reopenAllowed;
}

function render(s) {
  say('');
  $('survey-ticket').hidden = false;
  $('survey-code').textContent = s.code;
  $('survey-category').textContent = s.category || '—';
  $('survey-agency').textContent = s.agency || '—';
  $('survey-resolution').textContent = s.resolution || '—';
  if (s.status !== 'sent') { showDone(s); return; }
  const box = $('survey-scores');
  box.textContent = '';
  for (const { score, label } of s.scores) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'score';
    b.textContent = `${score} · ${label}`;
    b.setAttribute('aria-pressed', 'false');
    b.addEventListener('click', () => {
      selected = score;
      for (const other of box.children) other.setAttribute('aria-pressed', String(other === b));
      $('survey-reopen-row').hidden = !(score <= 2 && s.reopenPossible);
    });
    box.append(b);
  }
  $('survey-form').hidden = false;
}

$('survey-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!selected) { say('Vui lòng chọn một mức đánh giá. / Please pick a level.'); return; }
  try {
    const s = await call(api, { score: selected, comment: $('survey-comment').value.trim() || null, reopen: !$('survey-reopen-row').hidden && $('survey-reopen').checked });
    showDone(s);
  } catch (err) { say(err.message); }
});

$('survey-reopen-button').addEventListener('click', async () => {
  try { showDone({ ...(await call(`${api}/reopen`, {})), reopened: true }); } catch (err) { say(err.message); }
});

$('survey-opt-out').addEventListener('click', async () => {
  try { await call(`${api}/opt-out`, {}); say('Bạn sẽ không nhận khảo sát nữa. / You will receive no more surveys.'); } catch (err) { say(err.message); }
});

call(api).then(render).catch((err) => say(err.message));
