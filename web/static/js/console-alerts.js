// Alerts on every console page: safeguarding flags, worries raised, reminders and escalations (from /console).
// Notifications carry identifiers only; the child's name is looked up through the concerns API.
(() => {
  'use strict';
  const box = document.getElementById('alerts');
  if (!box || !window.io) return;
  const WORDS = {
    'safeguarding.flagged': 'Safeguarding flag: a message needs you to look now',
    'concern.raised': 'A child told you about a worry',
    'concern.due_soon': 'A child is waiting for you to respond about a worry',
    'concern.escalated': 'A worry was escalated',
    'oversight.update_requested': 'A reviewer asked you for an update',
    'oversight.closed': 'A reviewer finished looking at a worry',
  };
  const shown = new Map();
  const socket = window.io('/console', { transports: ['websocket'], withCredentials: true });

  const { make } = window.AdvocacyPage;

  const describe = (n) => {
    let words = WORDS[n.kind] || n.kind;
    if (n.kind === 'concern.escalated') {
      words += n.ids.level === 'oversight' ? ' to the oversight queue' : " to the advocate's manager";
    }
    return words;
  };

  const nameOf = async (concernId, label) => {
    try {
      const response = await fetch(`/api/concerns/${encodeURIComponent(concernId)}`, { credentials: 'same-origin' });
      const answer = await response.json();
      if (answer.ok && answer.concern.child_name) label.textContent = ` (${answer.concern.child_name})`;
    } catch (e) { /* the alert stands without a name */ }
  };

  const show = (n) => {
    if (shown.has(n.id)) return;
    const item = make('li', `alert${n.urgent ? ' alert--urgent' : ''}`);
    item.dataset.kind = n.kind;
    const text = make('span', 'alert__text', describe(n));
    const who = make('span', 'alert__who');
    item.append(text, who);
    if (n.ids && n.ids.concern) {
      const link = make('a', 'button button--quiet', 'Open');
      link.href = `/console/concerns#concern=${encodeURIComponent(n.ids.concern)}`;
      item.append(link);
      nameOf(n.ids.concern, who);
    }
    const done = make('button', 'button button--quiet', 'Seen');
    done.type = 'button';
    done.addEventListener('click', async () => {
      await socket.timeout(10000).emitWithAck('seen', { ids: [n.id] }).catch(() => null);
      item.remove();
      shown.delete(n.id);
      box.hidden = shown.size === 0;
    });
    item.append(done);
    shown.set(n.id, item);
    box.prepend(item);
    box.hidden = false;
  };

  socket.on('connect', async () => {
    const answer = await socket.timeout(10000).emitWithAck('notifications', {}).catch(() => null);
    if (answer && answer.ok) answer.notifications.slice().reverse().forEach(show);
  });
  socket.on('notification', show);
})();
