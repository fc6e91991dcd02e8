// The words the scripts show, in the page's language: _('English text', { name: 'Sam' }).
// The server puts the translations of this page's language in #page-words (English text to
// translation); words it lacks stay in English. Values fill {name} placeholders after translating.
(() => {
  'use strict';
  let table = null;
  window._ = (text, values) => {
    if (table === null) {
      const el = document.getElementById('page-words');
      try { table = el ? JSON.parse(el.textContent) : {}; } catch (e) { table = {}; }
    }
    let out = Object.prototype.hasOwnProperty.call(table, text) ? table[text] : text;
    if (values) {
      for (const [key, value] of Object.entries(values)) out = out.split(`{${key}}`).join(String(value));
    }
    return out;
  };
})();
