// Complaints about the service that come to a manager or admin (templates/console/complaints.html):
// acknowledge one, or answer it with an outcome. The page is drawn by the server; after either, again.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/staff/sign-in');
  const error = document.getElementById('complaint-error');

  const send = async (path, body) => {
    error.textContent = '';
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
    error.textContent = (result && result.answer && result.answer.error && result.answer.error.message)
      || 'That did not work. Please try again.';
  };

  const path = (id, what) => `/api/complaints/${encodeURIComponent(id)}/${what}`;
  document.querySelectorAll('button.acknowledge').forEach((button) => {
    button.addEventListener('click', () => send(path(button.dataset.complaint, 'acknowledge')));
  });
  document.querySelectorAll('form.answer-form').forEach((form) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const outcome = form.querySelector('input[name="outcome"]:checked');
      send(path(form.dataset.complaint, 'answer'), {
        outcome: outcome ? outcome.value : null, answer: form.querySelector('textarea').value,
      });
    });
  });
})();
