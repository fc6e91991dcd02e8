// What the worries, concerns and alerts scripts share: building DOM nodes (text through textContent
// only) and JSON requests that send someone whose session has ended back to sign in.
window.AdvocacyPage = (() => {
  'use strict';
  const make = (tag, className, text) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  };

  // api(method, path, body?) -> {status, answer} (answer null if not JSON), or null once sent to sign in.
  const jsonApi = (signInUrl) => async (method, path, body) => {
    const response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401) {
      window.location.replace(`${signInUrl}?signed-out`);
      return null;
    }
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    return { status: response.status, answer };
  };

  return { make, jsonApi };
})();
