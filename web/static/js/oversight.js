// What every reviewers', managers' and figures page does: opening every folded section before
// printing, so the paper copy holds all the numbers. (Signing out is the bar's, in quick-exit.js.)
(() => {
  'use strict';
  window.addEventListener('beforeprint', () => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });
})();
