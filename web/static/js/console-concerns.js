// The console's concerns page: the list, one concern's detail and the actions on it, and a form to log one.
// What children and staff wrote reaches the page through textContent only.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const { make, jsonApi, CONCERN_STATUS: STATUS } = window.AdvocacyPage;
  const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  }) : '–');
  const WITH = {
    social_worker: 'the social worker', team_manager: "the social worker's manager",
    reviewing_officer: 'the reviewing officer', placement: 'the placement', complaint: 'a formal complaint',
    other: 'someone else',
  };
  const PLAIN_MOVES = ['open', 'raised', 'awaiting_response'];

  let current = null;

  const request = jsonApi('/staff/sign-in');
  const api = async (method, path, body) => {
    const result = await request(method, path, body);
    if (!result) throw new Error('signed out');
    return result.answer || { ok: false, error: { message: 'Something went wrong. Please try again.' } };
  };

  const say = (text) => { $('detail-status').textContent = text; };

  // the list ----------------------------------------------------------------

  const loadList = async () => {
    const answer = await api('GET', '/api/concerns');
    const list = $('concern-list');
    if (!answer.ok) return;
    list.replaceChildren(...answer.concerns.map((c) => {
      const li = make('li');
      const button = make('button', `concern-item${c.status === 'draft' ? ' concern-item--draft' : ''}`);
      button.type = 'button';
      button.dataset.concern = c.id;
      if (current && current.id === c.id) button.setAttribute('aria-current', 'true');
      button.append(
        make('span', 'concern-item__who', `${c.child_name || 'A child'}: ${c.category_label}`),
        make('span', 'concern-item__what', `${STATUS[c.status] || c.status} · ${c.severity}${c.escalated_to ? ` · with ${c.escalated_to}` : ''}`),
      );
      if (c.due_words) {
        button.append(make('span', `concern-item__due${c.due_late ? ' concern-item__due--late' : ''}`, c.due_words));
      }
      button.addEventListener('click', () => show(c.id));
      li.append(button);
      return li;
    }));
    $('concern-list-empty').hidden = answer.concerns.length > 0;
  };

  // one concern ---------------------------------------------------------------

  const describe = (entry) => {
    const by = entry.by && entry.by.role === 'service' ? 'The service' : (entry.by ? entry.by.role : '');
    const parts = {
      raised_with: `${by} raised it with ${WITH[entry.with] || entry.with}${entry.stage ? ` (stage ${entry.stage})` : ''}`,
      response: `Response from ${WITH[entry.with] || entry.with}`,
      note: 'Note', spoke_to_child: 'Spoke to the child',
      status: `Moved from ${STATUS[entry.from] || entry.from} to ${STATUS[entry.to] || entry.to}`,
      reminder: 'Reminder sent: the child is waiting for a response',
      escalated: `Escalated to ${entry.level === 'manager' ? 'the manager' : 'the oversight queue'}${entry.by && entry.by.role !== 'service' ? ' by hand' : ''}`,
      resolved: `Resolved${entry.child_happy === true ? ', the child is happy' : entry.child_happy === false ? ', the child is not happy' : ''}`,
      reopened: 'Reopened', closed: 'Closed', confirmed: 'Safeguarding flag confirmed', dismissed: 'Safeguarding flag dismissed',
      oversight_closed: `Oversight finished: ${(entry.decision || '').replace('_', ' ')}`,
      disclosure: `Information shared outside the service (${entry.to})`,
    }[entry.kind] || entry.kind;
    const extra = entry.note || entry.reason;
    return `${when(entry.at)} · ${parts}${extra ? `\n${extra}` : ''}`;
  };

  const show = async (id) => {
    const answer = await api('GET', `/api/concerns/${encodeURIComponent(id)}`);
    if (!answer.ok) return;
    render(answer.concern);
    for (const button of document.querySelectorAll('.concern-item')) {
      button.toggleAttribute('aria-current', button.dataset.concern === id);
      if (button.dataset.concern === id) button.setAttribute('aria-current', 'true');
    }
  };

  const render = (concern) => {
    current = concern;
    $('detail-title').textContent = `${concern.child_name || 'A child'}: ${concern.category_label}`;
    $('detail-due').hidden = !concern.due_words;
    $('detail-due').textContent = concern.due_words || '';
    $('detail-due').classList.toggle('due--late', Boolean(concern.due_words && concern.due_late));
    const facts = [
      ['Status', STATUS[concern.status] || concern.status], ['Severity', concern.severity],
      ['Raised', when(concern.raised_at)], ['Respond to the child by', when(concern.deadlines.respond_by)],
      ['Manager if unresolved at', when(concern.deadlines.manager_by)],
      ['Oversight if unresolved at', when(concern.deadlines.oversight_by)],
    ];
    $('detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [make('dt', null, k), make('dd', null, v)]));
    $('detail-words').textContent = concern.child_words || '';
    $('detail-wants').textContent = concern.child_wants || '(not said yet)';
    $('detail-timeline').replaceChildren(...concern.timeline.map((e) => make('li', null, describe(e))));
    const isDraft = concern.status === 'draft';
    const final = ['closed', 'dismissed'].includes(concern.status);
    $('draft-form').hidden = !isDraft;
    for (const id of ['action-form', 'escalate-form', 'status-form', 'resolve-form']) $(id).hidden = isDraft || final;
    const moves = concern.allowed_moves.filter((m) => PLAIN_MOVES.includes(m));
    $('status-to').replaceChildren(...moves.map((m) => {
      const option = make('option', null, STATUS[m]);
      option.value = m;
      return option;
    }));
    $('status-form').hidden = $('status-form').hidden || moves.length === 0;
    $('detail-body').hidden = false;
    say('');
  };

  const act = async (path, body) => {
    if (!current) return;
    const answer = await api('POST', `/api/concerns/${encodeURIComponent(current.id)}/${path}`, body);
    if (answer.ok) {
      render(answer.concern);
      say('Saved.');
      loadList();
    } else {
      say(answer.error.message);
    }
  };

  const onSubmit = (id, handler) => $(id).addEventListener('submit', (event) => { event.preventDefault(); handler(); });

  onSubmit('action-form', () => {
    const kind = $('action-kind').value;
    const body = { kind };
    if (kind === 'raised_with' || kind === 'response') {
      body.with = $('action-with').value;
      if (body.with === 'complaint') body.stage = Number($('action-stage').value) || null;
    }
    if ($('action-note').value.trim()) body.note = $('action-note').value;
    act('actions', body).then(() => { $('action-note').value = ''; });
  });
  onSubmit('status-form', () => act('status', { status: $('status-to').value }));
  onSubmit('escalate-form', () => act('escalate', { level: $('escalate-level').value, reason: $('escalate-reason').value }));
  onSubmit('resolve-form', () => {
    const happy = $('resolve-happy').value;
    act('resolve', { outcome: $('resolve-outcome').value, child_happy: happy === '' ? null : happy === 'yes' });
  });
  $('close-concern').addEventListener('click', () => act('close', {}));
  $('confirm-draft').addEventListener('click', () => act('confirm', {}));
  $('dismiss-draft').addEventListener('click', () => act('dismiss', { reason: $('dismiss-reason').value }));

  // logging a concern: the child's recent messages come from the chat -------------------------

  let socket = null;
  let conversations = [];
  const connected = new Promise((resolve) => {
    if (!window.io) {
      resolve();
      return;
    }
    socket = window.io('/chat', { transports: ['websocket'], withCredentials: true });
    socket.on('connect', async () => {
      const answer = await socket.timeout(10000).emitWithAck('conversations', {}).catch(() => null);
      conversations = answer && answer.ok ? answer.conversations : [];
      resolve();
    });
    socket.on('connect_error', () => resolve()); // a manager has no chats: no messages to link
  });

  window.AdvocacyConcernForm.attach({
    async messagesOf(childId) {
      await connected;
      const conv = conversations.find((c) => c.child === childId);
      if (!socket || !conv) return [];
      const answer = await socket.timeout(10000).emitWithAck('history', { conversation: conv.id, limit: 50 });
      return answer.ok ? answer.messages.filter((m) => m.sender.role === 'child') : [];
    },
    async onLogged(concern) {
      await loadList();
      render(concern);
    },
  });

  const opened = new URLSearchParams(window.location.hash.slice(1)).get('concern');
  loadList().then(() => { if (opened) show(opened); });
  window.addEventListener('hashchange', () => {
    const id = new URLSearchParams(window.location.hash.slice(1)).get('concern');
    if (id) show(id);
  });
})();
