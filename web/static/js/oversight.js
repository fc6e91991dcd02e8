// What every reviewers', managers' and figures page does: opening every folded section before
// printing, so the paper copy holds all the numbers. (Signing out is the bar's, in quick-exit.js.)
(() => {
  'use strict';
  window.addEventListener('beforeprint', () => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });

  // Sorting a table by a column opens the page again, sorted: where the reader was on it, not at its top.
  const PLACE = 'advocacy-keep-place';
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-keep-place]') : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href);
    url.hash = '';
    try {
      window.sessionStorage.setItem(PLACE, JSON.stringify({ url: url.href, y: window.scrollY }));
    } catch (e) {
      return; // no storage: the link's own #table address still opens the page at the table
    }
    event.preventDefault();
    window.location.assign(url.href);
  });
  let place = null;
  try {
    place = JSON.parse(window.sessionStorage.getItem(PLACE) || 'null');
    window.sessionStorage.removeItem(PLACE);
  } catch (e) { /* nothing kept */ }
  if (place && place.url === window.location.href) window.scrollTo(0, place.y);
})();
