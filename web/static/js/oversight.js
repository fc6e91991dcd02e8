// What every reviewers', managers' and figures page does: signing out from the bar, and
// opening every folded section before printing so the paper copy holds all the numbers.
(() => {
  'use strict';
  window.addEventListener('beforeprint', () => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });
  const out = document.getElementById('sign-out');
  if (!out) return;
  out.addEventListener('click', async () => {
    try { await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' }); } catch (e) { /* leave anyway */ }
    window.location.replace(out.dataset.next);
  });
})();
