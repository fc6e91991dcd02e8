// Quick exit: one tap (or Esc three times in 2 seconds) ends the session and
// swaps this page for a neutral site, replacing it in the tab's history.
(() => {
  'use strict';
  const SELECTOR = '.quick-exit, #quick-exit';
  const url = document.body.dataset.quickExitUrl;
  if (!url) return;

  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    document.documentElement.classList.add('leaving');
    let sent = false;
    try {
      sent = Boolean(navigator.sendBeacon && navigator.sendBeacon('/api/session/end'));
    } catch (e) { /* fall through to fetch */ }
    if (!sent) {
      try {
        fetch('/api/session/end', { method: 'POST', credentials: 'same-origin', keepalive: true }).catch(() => {});
      } catch (e) { /* leaving matters more than signing out */ }
    }
    window.location.replace(url);
  };

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element && event.target.closest(SELECTOR);
    if (!target) return;
    event.preventDefault();
    leave();
  });

  let presses = [];
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' && event.key !== 'Esc') return;
    if (!document.querySelector(SELECTOR)) return;
    const now = Date.now();
    presses = presses.filter((t) => now - t < 2000);
    presses.push(now);
    if (presses.length >= 3) leave();
  });

  // Coming back with the Back button must not show the page from the cache.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && leaving) window.location.replace(url);
  });
})();
