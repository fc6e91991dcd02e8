// Setting up the authenticator app: send its first code, then show the recovery codes once.
(() => {
  'use strict';
  const form = document.getElementById('enrol-form');
  if (!form) return;
  const input = document.getElementById('otp');
  const errorBox = document.getElementById('form-error');
  const button = document.getElementById('enrol-button');

  const showError = (message) => {
    errorBox.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };

  const showCodes = (codes) => {
    const list = document.getElementById('recovery-codes');
    for (const code of codes) {
      const item = document.createElement('li');
      item.textContent = code;
      list.append(item);
    }
    document.getElementById('enrol-step').hidden = true;
    document.getElementById('codes-step').hidden = false;
    document.getElementById('codes-heading').focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const otp = input.value.replace(/\s/g, '');
    if (!/^[0-9]{6}$/.test(otp)) {
      showError('Type the 6 numbers your app shows.');
      return;
    }
    button.disabled = true;
    try {
      const response = await fetch('/api/session/staff/enrol', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ otp }),
      });
      let answer = null;
      try { answer = await response.json(); } catch (e) { answer = null; }
      if (response.ok && answer && answer.ok) {
        showCodes(answer.recovery_codes || []);
        // Interpreters and reviewers have their own first page.
        const firstPage = { interpreter: '/interpreter', reviewer: '/oversight' }[answer.role];
        const link = document.getElementById('continue-link');
        if (firstPage && link) link.href = firstPage;
        return;
      }
      if (answer && answer.error && answer.error.code === 'enrolment_expired') {
        window.location.replace('/staff/sign-in');
        return;
      }
      showError((answer && answer.error && answer.error.message) || 'That didn\'t work. Please try again.');
    } catch (e) {
      showError('We couldn\'t reach the service. Check your connection and try again.');
    }
    button.disabled = false;
  });
})();
