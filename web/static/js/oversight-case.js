// A case: the reviewer's actions post JSON to the oversight API, then the page is loaded again.
// Revealing the child asks for a reason and shows what comes back with textContent only; it is
// gone again when the page is left.
(() => {
  'use strict';
  const { make, jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/staff/sign-in');
  const $ = (id) => document.getElementById(id);
  const root = $('case');
  if (!root) return;
  const base = `/api/oversight/items/${encodeURIComponent(root.dataset.item)}`;

  const say = (status, message) => {
    status.textContent = message;
    status.classList.toggle('action-status--error', Boolean(message));
  };

  for (const form of document.querySelectorAll('.action-form')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const status = form.querySelector('.action-status');
      const body = {};
      for (const field of form.querySelectorAll('textarea, select')) {
        if (field.name === 'text' && !field.value.trim() && form.dataset.action === 'close') continue;
        body[field.name] = field.value;
      }
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      say(status, '');
      const result = await api('POST', `${base}/${form.dataset.action}`, Object.keys(body).length ? body : undefined);
      button.disabled = false;
      if (!result) return;
      if (result.answer && result.answer.ok) {
        window.location.reload();
        return;
      }
      say(status, (result.answer && result.answer.error && result.answer.error.message) || 'That did not work. Please try again.');
    });
  }

  const reveal = $('reveal-form');
  if (reveal) {
    reveal.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reason = $('reveal-reason').value;
      say($('reveal-status'), '');
      const result = await api('POST', `${base}/reveal`, { reason });
      if (!result) return;
      const answer = result.answer;
      if (!answer || !answer.ok) {
        say($('reveal-status'), (answer && answer.error && answer.error.message) || 'That did not work. Please try again.');
        $('reveal-reason').focus();
        return;
      }
      const who = answer.identity;
      $('identity-name').textContent = who.name || '(not known)';
      $('identity-born').textContent = who.birth_date || 'not known';
      $('identity-la').textContent = who.local_authority || 'not known';
      $('identity-ref').textContent = who.la_reference || 'none recorded';
      $('identity').hidden = false;
      const item = make('li');
      item.append(make('strong', null, 'You'), document.createTextNode(', just now: '), make('span', 'reveal-reason', reason.trim()));
      $('reveals').prepend(item);
      $('reveals-none').hidden = true;
      reveal.reset();
      $('identity').setAttribute('tabindex', '-1');
      $('identity').focus();
    });
  }
})();
