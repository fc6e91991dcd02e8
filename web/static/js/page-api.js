// What the worries, concerns, console and alerts scripts share: building DOM nodes (text through textContent
// only), JSON requests that send someone whose session has ended back to sign in, and (staff pages) the tab's
// title, an optional sound and the staff member's own alert settings on this computer.
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

  // Settings a member of staff chooses for this computer (off unless they turn them on).
  const setting = (name, value) => {
    const key = `advocacy.${name}`;
    try {
      if (value !== undefined) window.localStorage.setItem(key, value ? 'on' : 'off');
      return window.localStorage.getItem(key) === 'on';
    } catch (e) {
      return false;
    }
  };

  // The tab's title counts unread messages and says when something urgent is waiting.
  const baseTitle = document.title;
  const titleState = { unread: 0, urgent: 0 };
  const title = (change) => {
    Object.assign(titleState, change);
    const prefix = `${titleState.urgent ? '⚠ Urgent · ' : ''}${titleState.unread ? `(${titleState.unread}) ` : ''}`;
    document.title = prefix + baseTitle;
  };

  // A short, soft chime (two notes; three, higher, for something urgent), only if the sound is turned on.
  let audio = null;
  const chime = (urgent) => {
    if (!setting('sound')) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const notes = urgent ? [880, 660, 880] : [660, 880];
      notes.forEach((frequency, i) => {
        const at = audio.currentTime + i * 0.18;
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
        tone.connect(gain).connect(audio.destination);
        tone.start(at);
        tone.stop(at + 0.17);
      });
    } catch (e) { /* no sound on this computer */ }
  };
  const unlockSound = () => {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      return audio.resume();
    } catch (e) {
      return Promise.resolve();
    }
  };

  // A concern's status in words, for staff.
  const CONCERN_STATUS = {
    draft: 'Safeguarding flag (draft)', open: 'Open', raised: 'Raised', awaiting_response: 'Awaiting a response',
    escalated: 'Escalated', resolved: 'Resolved', closed: 'Closed', dismissed: 'Dismissed',
  };

  return { make, jsonApi, setting, title, chime, unlockSound, CONCERN_STATUS };
})();
