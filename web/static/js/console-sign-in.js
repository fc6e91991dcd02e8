// The child's sign-in, from the console (beside the conversation): unlock and reset their PIN, a new access
// code, sign them out everywhere. A new code or setup word is shown once, on a slip that can be printed.
(() => {
  'use strict';
  const panel = document.getElementById('child-sign-in');
  if (!panel) return;
  const $ = (id) => document.getElementById(id);
  const api = window.AdvocacyPage.jsonApi('/staff/sign-in');
  const confirmBox = $('sign-in-confirm');
  const status = $('sign-in-status');
  const slip = $('sign-in-slip');
  let child = null;
  let pending = null;

  const clearSlip = () => {
    slip.hidden = true;
    $('slip-code').textContent = '';
    $('slip-word').textContent = '';
  };

  const reset = () => {
    confirmBox.hidden = true;
    pending = null;
    status.textContent = '';
    clearSlip();
  };

  document.addEventListener('advocacy:child-chosen', (event) => {
    child = event.detail.child;
    panel.hidden = !child;
    reset();
  });

  for (const button of panel.querySelectorAll('[data-sign-in-action]')) {
    button.addEventListener('click', () => {
      pending = button.dataset.signInAction;
      $('sign-in-confirm-text').textContent = button.dataset.confirm;
      confirmBox.hidden = false;
      status.textContent = '';
      $('sign-in-confirm-yes').focus();
    });
  }
  $('sign-in-confirm-no').addEventListener('click', () => { confirmBox.hidden = true; pending = null; });

  const showSlip = (code, word) => {
    $('slip-code').textContent = code || '';
    $('slip-code-label').hidden = !code;
    $('slip-code').hidden = !code;
    $('slip-word').textContent = word;
    $('slip-address').textContent = `${window.location.origin}/child/sign-in`;
    slip.hidden = false;
  };

  $('sign-in-confirm-yes').addEventListener('click', async () => {
    const action = pending;
    if (!action || !child) return;
    confirmBox.hidden = true;
    pending = null;
    clearSlip();
    status.textContent = 'Working…';
    let result = null;
    try {
      result = await api('POST', `/api/children/${encodeURIComponent(child)}/${action}`);
    } catch (e) {
      status.textContent = 'We couldn\'t reach the service. Nothing was changed.';
      return;
    }
    if (!result) return;
    const { answer } = result;
    if (!answer || !answer.ok) {
      status.textContent = (answer && answer.error && answer.error.message) || 'That didn\'t work. Nothing was changed.';
      return;
    }
    if (action === 'reset-pin') {
      status.textContent = 'Unlocked, and signed out everywhere. Give them this setup word: with their code, they choose a new PIN.';
      showSlip(null, answer.setup_word);
    } else if (action === 'access-code') {
      status.textContent = 'Their old code has stopped working, and they are signed out everywhere. Give them this new code and setup word.';
      showSlip(answer.access_code, answer.setup_word);
    } else {
      status.textContent = `Signed out everywhere (${answer.revoked} ${answer.revoked === 1 ? 'sign-in' : 'sign-ins'} ended).`;
    }
  });

  $('sign-in-print').addEventListener('click', () => {
    document.body.classList.add('print-slip');
    window.print();
  });
  window.addEventListener('afterprint', () => document.body.classList.remove('print-slip'));
})();
