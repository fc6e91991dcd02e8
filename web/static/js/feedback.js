// A child answers, or says no thanks to, a question about how things went (templates/child/feedback.html).
// The page is drawn by the server; after either, it is drawn again.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/child/sign-in');
  const error = document.getElementById('form-error');

  const send = async (path, body, button) => {
    error.textContent = '';
    button.disabled = true;
    let result = null;
    try {
      result = await api('POST', path, body);
    } catch (e) {
      result = null;
    }
    if (result && result.status === 200) {
      window.location.reload();
      return;
    }
    button.disabled = false;
    error.textContent = (result && result.answer && result.answer.error && result.answer.error.message)
      || _("That didn't work. Please try again.");
  };
  const path = (id, what) => `/api/feedback/${encodeURIComponent(id)}/${what}`;

  document.querySelectorAll('form.feedback-form').forEach((form) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = {};
      ['listened', 'changed'].forEach((question) => {
        const chosen = form.querySelector(`input[name="${question}"]:checked`);
        if (chosen) body[question] = chosen.value;
      });
      if (!Object.keys(body).length) {
        error.textContent = _('Please choose an answer, or press No thanks. Nothing was sent.');
        return;
      }
      send(path(form.dataset.feedback, 'answer'), body, form.querySelector('button.send-feedback'));
    });
  });
  document.querySelectorAll('button.decline-feedback').forEach((button) => {
    button.addEventListener('click', () => send(path(button.dataset.feedback, 'decline'), {}, button));
  });
})();
