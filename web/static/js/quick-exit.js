// On every page: Quick exit, signing out, and (on pages a child may see) keeping the service out of the tab's history.
//
// Quick exit (the button, or Esc three times within 2 seconds) ends the session and swaps the page for a
// neutral site with location.replace. On the pages that have the button, moving between the service's own
// pages replaces the current entry too, so the whole visit is one entry in the tab's history: after a quick
// exit, Back leads to wherever the child was before the service, never to one of its pages. Quick exit and
// signing out also forget this phone: notifications off (in the browser; the server drops those of the
// ended sign-in), the service worker gone and everything it kept deleted.
(() => {
  'use strict';
  const SELECTOR = '.quick-exit, #quick-exit';
  const root = document.documentElement;
  const exitUrl = document.body.dataset.quickExitUrl;
  const childSafe = () => Boolean(exitUrl && document.querySelector(SELECTOR));

  const endSession = () => {
    let sent = false;
    try {
      sent = Boolean(navigator.sendBeacon && navigator.sendBeacon('/api/session/end'));
    } catch (e) { /* fall through to fetch */ }
    if (!sent) {
      try {
        fetch('/api/session/end', { method: 'POST', credentials: 'same-origin', keepalive: true }).catch(() => {});
      } catch (e) { /* leaving matters more than signing out */ }
    }
  };

  // The page is hidden at once; leaving waits for this at most this long.
  const FORGET_MS = 500;
  const forgetThisPhone = () => {
    const steps = [];
    try {
      if (window.caches) steps.push(caches.keys().then((names) => Promise.all(names.map((name) => caches.delete(name)))));
      if (navigator.serviceWorker) {
        steps.push(navigator.serviceWorker.getRegistrations().then((registrations) => Promise.all(registrations.map(
          (registration) => (registration.pushManager ? registration.pushManager.getSubscription() : Promise.resolve(null))
            .then((subscription) => subscription && subscription.unsubscribe())
            .catch(() => {})
            .then(() => registration.unregister())))));
      }
    } catch (e) { /* leaving matters more */ }
    const done = Promise.all(steps.map((step) => step.catch(() => {})));
    return Promise.race([done, new Promise((resolve) => { setTimeout(resolve, FORGET_MS); })]);
  };

  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    root.classList.add('leaving');
    try { window.sessionStorage.clear(); } catch (e) { /* nothing kept there anyway */ }
    endSession();
    forgetThisPhone().then(() => window.location.replace(exitUrl));
  };

  const signOut = async (next) => {
    root.classList.add('leaving');
    await forgetThisPhone();
    try {
      await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' });
    } catch (e) { /* leave anyway */ }
    window.location.replace(next);
  };

  const sameSite = (url) => url.origin === window.location.origin;

  document.addEventListener('click', (event) => {
    if (!(event.target instanceof Element)) return;
    if (exitUrl && event.target.closest(SELECTOR)) {
      event.preventDefault();
      leave();
      return;
    }
    const out = event.target.closest('[data-sign-out]');
    if (out) {
      event.preventDefault();
      signOut(out.dataset.signOut);
      return;
    }
    const link = event.target.closest('a[href]');
    if (!link || !childSafe() || event.defaultPrevented || event.button !== 0
        || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey
        || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, window.location.href);
    if (!sameSite(url) || (url.hash && url.pathname === window.location.pathname && url.search === window.location.search)) return;
    event.preventDefault();
    window.location.replace(url.href);
  });

  // The pages' plain forms (the advocate page): sent in the background, then the answer replaces this page.
  // If that goes wrong the form is sent the ordinary way, which still works, with one more history entry.
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!childSafe() || event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    // getAttribute: a field named "action" hides the form's own action property.
    const url = new URL(form.getAttribute('action') || window.location.href, window.location.href);
    if (!sameSite(url)) return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form, event.submitter || undefined));
    for (const button of form.querySelectorAll('button')) button.disabled = true;
    try {
      const response = await fetch(url.href, { method: 'POST', body, credentials: 'same-origin' });
      if (response.ok && response.redirected) {
        window.location.replace(response.url);
        return;
      }
    } catch (e) { /* sent the ordinary way below */ }
    HTMLFormElement.prototype.submit.call(form);
  });

  let presses = [];
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' && event.key !== 'Esc') return;
    if (!childSafe()) return;
    const now = Date.now();
    presses = presses.filter((t) => now - t < 2000);
    presses.push(now);
    if (presses.length >= 3) leave();
  });

  // Coming back with the Back button must not show the page from the cache.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && (leaving || root.classList.contains('leaving'))) window.location.replace(exitUrl || '/');
  });
})();
