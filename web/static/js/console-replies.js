// The team's saved replies: add, change and remove through /api/canned-replies; the page is shown again after.
(() => {
  'use strict';
  const page = window.AdvocacyPage;
  const api = page.jsonApi('/staff/sign-in');
  const $ = (id) => document.getElementById(id);
  const status = $('replies-status');
  const form = $('reply-form');

  const refused = (result) => (result && result.answer && result.answer.error && result.answer.error.message)
    || 'That did not work. Try again.';

  document.addEventListener('click', async (event) => {
    const edit = event.target.closest('[data-edit]');
    if (edit && form) {
      $('reply-id').value = edit.dataset.edit;
      $('reply-title').value = edit.dataset.title;
      $('reply-body').value = edit.dataset.body;
      $('reply-form-heading').textContent = `Change "${edit.dataset.title}"`;
      $('reply-cancel').hidden = false;
      $('reply-title').focus();
      return;
    }
    const remove = event.target.closest('[data-remove]');
    if (remove) {
      if (!window.confirm(`Remove "${remove.dataset.title}" for everyone in your team?`)) return;
      const result = await api('DELETE', `/api/canned-replies/${encodeURIComponent(remove.dataset.remove)}`);
      if (result && result.answer && result.answer.ok) window.location.reload();
      else status.textContent = refused(result);
    }
  });

  if (!form) return;
  $('reply-cancel').addEventListener('click', () => {
    form.reset();
    $('reply-id').value = '';
    $('reply-form-heading').textContent = 'Add a reply';
    $('reply-cancel').hidden = true;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const id = $('reply-id').value;
    const body = { title: $('reply-title').value, body: $('reply-body').value };
    $('reply-save').disabled = true;
    const result = id
      ? await api('PUT', `/api/canned-replies/${encodeURIComponent(id)}`, body)
      : await api('POST', '/api/canned-replies', body);
    $('reply-save').disabled = false;
    if (result && result.answer && result.answer.ok) window.location.reload();
    else status.textContent = refused(result);
  });
})();
