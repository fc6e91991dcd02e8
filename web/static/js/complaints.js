// A child's complaints about the service (templates/child/complaints.html): make one, or take one to the
// Children's Commissioner's office. The page is drawn by the server; after either, it is drawn again.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/child/sign-in');
  const form = document.getElementById('complaint-form');
  const error = document.getElementById('form-error');

  const failed = (result) => {
    error.textContent = (result && result.answer && result.answer.error && result.answer.error.message)
      || _("That didn't work. Please try again.");
  };

  if (form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const about = form.querySelector('input[name="about"]:checked');
      if (!about) {
        error.textContent = _('Please choose who or what it is about. Nothing was sent.');
        return;
      }
      const words = document.getElementById('complaint-words');
      if (!words.value.trim()) {
        error.textContent = _('Please tell us what happened, in your own words. Nothing was sent.');
        words.focus();
        return;
      }
      const button = document.getElementById('send-complaint');
      button.disabled = true;
      let result = null;
      try {
        result = await api('POST', '/api/complaints', {
          about: about.value,
          words: words.value,
          wants: document.getElementById('complaint-wants').value,
        });
      } catch (e) {
        result = null;
      }
      if (result && result.status === 201) {
        window.location.reload();
        return;
      }
      button.disabled = false;
      failed(result);
    });
  }

  document.querySelectorAll('button.escalate').forEach((button) => {
    button.addEventListener('click', async () => {
      button.disabled = true;
      let result = null;
      try {
        result = await api('POST', `/api/complaints/${encodeURIComponent(button.dataset.complaint)}/escalate`);
      } catch (e) {
        result = null;
      }
      if (result && result.status === 200) {
        window.location.reload();
        return;
      }
      button.disabled = false;
      failed(result);
    });
  });
})();
