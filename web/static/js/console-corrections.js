// Requests to put records right that come to a manager or admin (templates/console/corrections.html):
// accept one, or refuse it with a reason. The page is drawn by the server; after either, again.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/staff/sign-in');
  const error = document.getElementById('correction-error');

  const decide = async (id, body) => {
    error.textContent = '';
    let result = null;
    try {
      result = await api('POST', `/api/corrections/${encodeURIComponent(id)}/decide`, body);
    } catch (e) {
      result = null;
    }
    if (result && result.status === 200) {
      window.location.reload();
      return;
    }
    error.textContent = (result && result.answer && result.answer.error && result.answer.error.message)
      || 'That did not work. Please try again.';
  };

  document.querySelectorAll('button.accept').forEach((button) => {
    button.addEventListener('click', () => decide(button.dataset.correction, { decision: 'accept' }));
  });
  document.querySelectorAll('form.refuse-form').forEach((form) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      decide(form.dataset.correction, { decision: 'refuse', reason: form.querySelector('textarea').value });
    });
  });
})();
