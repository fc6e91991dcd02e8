// Leaving care, from the console (beside the conversation): record the day the chosen child left care, or forget
// a day recorded by mistake. Their retention period counts from it.
(() => {
  'use strict';
  const panel = document.getElementById('child-left-care');
  if (!panel) return;
  const $ = (id) => document.getElementById(id);
  const api = window.AdvocacyPage.jsonApi('/staff/sign-in');
  const status = $('left-care-status');
  const input = $('left-care-on');
  const stored = $('left-care-stored');
  let child = null;
  // Who said when a child left care (advocacy.people.LEFT_CARE_SOURCES), in words.
  const SOURCES = {
    staff: 'recorded in the console',
    command: 'recorded with the advocacy left-care command',
    la_import: 'from their council\'s list',
    birth_date: `the day they turned ${panel.dataset.leavingCareAge}, from their date of birth`,
  };
  // What this page recorded since the conversations were listed, by child (the summary is older).
  const recorded = new Map();

  const showStored = (leftCare) => {
    if (leftCare === undefined) {
      stored.textContent = '';
      stored.hidden = true;
      return;
    }
    stored.hidden = false;
    stored.textContent = leftCare
      ? `On record: left care on ${leftCare.on} (${SOURCES[leftCare.source] || 'source not recorded'}).`
      : 'On record: no day they left care.';
    input.value = leftCare ? leftCare.on : '';
  };

  document.addEventListener('advocacy:child-chosen', (event) => {
    child = event.detail.child;
    panel.hidden = !child;
    input.value = '';
    input.max = new Date().toISOString().slice(0, 10);
    status.textContent = '';
    showStored(recorded.has(child) ? recorded.get(child) : event.detail.leftCare);
  });

  const send = async (on) => {
    if (!child) return;
    status.textContent = 'Working…';
    let result = null;
    try {
      result = await api('POST', `/api/children/${encodeURIComponent(child)}/left-care`, { on });
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
    const leftCare = answer.left_care ? { on: answer.left_care, source: answer.source } : null;
    recorded.set(child, leftCare);
    showStored(leftCare);
    status.textContent = answer.left_care
      ? `Recorded: they left care on ${answer.left_care}.`
      : 'Forgotten: the day they turned 18 counts again, if we know their date of birth.';
  };

  $('left-care-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value) {
      status.textContent = 'Choose the day they left care. Nothing was changed.';
      input.focus();
      return;
    }
    send(input.value);
  });
  $('left-care-forget').addEventListener('click', () => send(null));
})();
