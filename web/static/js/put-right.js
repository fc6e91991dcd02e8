// A child asks us to put right something we keep about them (templates/child/put_right.html).
// The page is drawn by the server; after the request is sent, it is drawn again.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/child/sign-in');
  const form = document.getElementById('correction-form');
  const error = document.getElementById('form-error');
  if (!form) return;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const kind = form.querySelector('input[name="kind"]:checked');
    if (!kind) {
      error.textContent = _('Please choose what is wrong. Nothing was sent.');
      return;
    }
    const worry = document.getElementById('correction-worry');
    if (kind.dataset.worry && (!worry || !worry.value)) {
      error.textContent = _('Please choose which worry it is. Nothing was sent.');
      if (worry) worry.focus();
      return;
    }
    const shouldSay = document.getElementById('correction-should-say');
    if (!shouldSay.value.trim()) {
      error.textContent = _('Please write what it should say. Nothing was sent.');
      shouldSay.focus();
      return;
    }
    const body = { kind: kind.value, should_say: shouldSay.value, why: document.getElementById('correction-why').value };
    if (kind.dataset.worry) body.concern = worry.value;
    const button = document.getElementById('send-correction');
    button.disabled = true;
    let result = null;
    try {
      result = await api('POST', '/api/corrections', body);
    } catch (e) {
      result = null;
    }
    if (result && result.status === 201) {
      window.location.reload();
      return;
    }
    button.disabled = false;
    error.textContent = (result && result.answer && result.answer.error && result.answer.error.message)
      || _("That didn't work. Please try again.");
  });
})();
