// Alerts on every console page: safeguarding flags, worries raised, reminders and escalations (from /console).
// An urgent alert (a safeguarding flag) is announced at once (role=alert), shown big at the top of the page,
// puts "Urgent" in the tab's title, and stays until someone marks it seen, which is recorded on the server.
// Notifications carry identifiers only; the child's name is looked up through the concerns API.
(() => {
  'use strict';
  const box = document.getElementById('alerts');
  if (!box || !window.io) return;
  const urgentBox = document.getElementById('alerts-urgent');
  const otherBox = document.getElementById('alerts-other');
  const WORDS = {
    'safeguarding.flagged': 'Safeguarding flag: a message needs you to look now',
    'concern.raised': 'A child told you about a worry',
    'concern.due_soon': 'A child is waiting for you to respond about a worry',
    'concern.escalated': 'A worry was escalated',
    'oversight.update_requested': 'A reviewer asked you for an update',
    'oversight.closed': 'A reviewer finished looking at a worry',
  };
  const shown = new Map();
  window.AdvocacyAlerts = { handles: (kind) => kind in WORDS };
  const socket = window.io('/console', { transports: ['websocket'], withCredentials: true });
  const { make, title, chime } = window.AdvocacyPage;

  const describe = (n) => {
    let words = WORDS[n.kind];
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

  const countUrgent = () => title({ urgent: urgentBox.querySelectorAll('.alert').length });

  const show = (n, live) => {
    if (shown.has(n.id) || n.seen || !(n.kind in WORDS)) return; // other kinds: the "Needs you" list
    const item = make('div', `alert${n.urgent ? ' alert--urgent' : ''}`);
    item.dataset.kind = n.kind;
    item.dataset.notification = n.id;
    const text = make('p', 'alert__text');
    text.append(make('span', 'alert__label', n.urgent ? 'Urgent' : 'New'), describe(n));
    const who = make('span', 'alert__who');
    text.append(who);
    item.append(text);
    if (n.ids && n.ids.concern) {
      const link = make('a', `button${n.urgent ? ' button--danger' : ' button--quiet'}`, 'Open');
      link.href = `/console/concerns#concern=${encodeURIComponent(n.ids.concern)}`;
      item.append(link);
      nameOf(n.ids.concern, who);
    }
    const done = make('button', 'button button--quiet', 'Mark as seen');
    done.type = 'button';
    done.addEventListener('click', async () => {
      done.disabled = true;
      const answer = await socket.timeout(10000).emitWithAck('seen', { ids: [n.id] }).catch(() => null);
      if (!answer || !answer.ok) {
        // Not recorded: the alert stays, and says so.
        done.disabled = false;
        done.textContent = 'Not saved: try again';
        return;
      }
      item.remove();
      shown.delete(n.id);
      countUrgent();
    });
    item.append(done);
    shown.set(n.id, item);
    (n.urgent ? urgentBox : otherBox).prepend(item);
    countUrgent();
    if (live) chime(n.urgent);
    document.dispatchEvent(new CustomEvent('advocacy:notification', { detail: n }));
  };

  socket.on('connect', async () => {
    const answer = await socket.timeout(10000).emitWithAck('notifications', {}).catch(() => null);
    if (answer && answer.ok) answer.notifications.slice().reverse().forEach((n) => show(n, false));
    box.dataset.loaded = answer && answer.ok ? 'true' : 'false';
  });
  socket.on('notification', (n) => show(n, true));
})();
