// The advocate's interpreter panel for the chosen conversation: ask the child whether an interpreter may
// join until a set time, see whether they agreed, end it. The child answers on their own chat page.
(() => {
  const $ = (id) => document.getElementById(id);
  const panel = $('interpreter-panel');
  // Advocates ask for interpreters (managers and admins see the chat only).
  if (!panel || document.body.dataset.userRole !== 'advocate') return;
  const state = $('interpreter-state');
  const ask = $('interpreter-ask');
  const who = $('interpreter-who');
  const endButton = $('interpreter-end');
  let conversation = null;
  let current = null;
  const api = async (method, path, body) => {
    const response = await fetch(path, {
      method, credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    try { return await response.json(); } catch (err) { return { ok: false, error: { message: 'Something went wrong.' } }; }
  };
  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const show = (found) => {
    current = found;
    endButton.hidden = !found;
    ask.hidden = Boolean(found);
    if (!found) state.textContent = 'No interpreter in this chat.';
    else if (found.state === 'asked') state.textContent = `Asked the child about ${found.interpreter.name} until ${time(found.ends_at)}: waiting for their answer.`;
    else state.textContent = `${found.interpreter.name} can read and write in this chat until ${time(found.ends_at)}${found.earlier ? ' (the child let them read earlier messages)' : ''}.`;
  };
  const refresh = async () => {
    if (!conversation) return;
    const answer = await api('GET', `/api/conversations/${encodeURIComponent(conversation)}/interpreter`);
    if (answer.ok) show(answer.interpreting);
  };
  const loadInterpreters = async () => {
    const answer = await api('GET', '/api/interpreters');
    if (!answer.ok) return;
    who.replaceChildren(...answer.interpreters.map((i) => {
      const option = document.createElement('option');
      option.value = i.id;
      option.textContent = i.languages.length ? `${i.name} (${i.languages.map((l) => l.name).join(', ')})` : i.name;
      return option;
    }));
  };
  document.addEventListener('conversation-chosen', (event) => {
    conversation = event.detail.id;
    panel.hidden = false;
    refresh();
  });
  ask.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', `/api/conversations/${encodeURIComponent(conversation)}/interpreter`,
      { interpreter: who.value, minutes: Number($('interpreter-minutes').value) });
    if (answer.ok) show(answer.interpreting);
    else state.textContent = answer.error.message;
  });
  endButton.addEventListener('click', async () => {
    if (!current) return;
    const answer = await api('POST', `/api/interpreting/${encodeURIComponent(current.id)}/end`);
    if (answer.ok) show(null);
    else state.textContent = answer.error.message;
  });
  // The child's answer arrives as a change of conversations on the console's socket: look again now and then.
  window.setInterval(refresh, 15000);
  loadInterpreters();
})();
