// What needs this member of staff besides the alerts: nudges, pairing news, cover (the "Needs you" list).
// They arrive with the alerts, in the same one request and on the same socket (console-alerts.js):
// grouped by child and kind on loading ('advocacy:alerts'), one by one when pushed live
// ('advocacy:notification'). Identifiers and names only: the words are made here.
(() => {
  'use strict';
  const panel = document.getElementById('notifications');
  const list = document.getElementById('notification-list');
  if (!panel || !list || !window.AdvocacyAlerts) return;
  const shown = new Map(); // "child|kind" -> li

  const WORDS = {
    'child.waiting': (who) => `${who} has been waiting a while for a reply.`,
    'child.waiting_long': (who) => `${who} has been waiting more than a working day for a reply from their advocate.`,
    'child.paired': (who) => `${who} is now one of your children.`,
    'child.moved_away': (who) => `${who} has a different advocate now.`,
    'child.opted_out': (who) => `${who} has chosen not to have an advocate for now.`,
    'child.asked_for_someone_else': (who) => `${who} asked for a different advocate.`,
    // A cover by hand names the cover record (ids.cover); one for leave names the leave.
    'child.cover_started': (who, ids) => (ids && ids.cover
      ? `${who}'s conversation has been handed to you for a while: you answer them until the cover ends.`
      : `You are covering for ${who}'s advocate while they are away.`),
    'child.cover_ended': (who) => `Your cover for ${who} has ended.`,
    'child.visit_overdue': (who) => `A visit to ${who} is overdue (non-instructed advocacy).`,
    'complaint.made': () => 'A complaint about the service has come to you: see Complaints.',
    'correction.asked': () => 'A child asked for a record to be put right: see Corrections.',
  };

  // The child's name as the server gave it, else as the conversation list shows it.
  const childName = (group) => {
    if (group.child_name) return group.child_name;
    const conv = group.latest_ids && group.latest_ids.conversation;
    const row = conv && document.querySelector(`.conv-item[data-conversation="${CSS.escape(conv)}"] .conv-item__name`);
    return (row && row.textContent.trim()) || 'A child';
  };

  const words = (group) => {
    const say = WORDS[group.kind];
    const text = say ? say(childName(group), group.latest_ids)
      : `${childName(group)}: ${group.kind.replace(/^child\./, '').replace(/[._]/g, ' ')}.`;
    return group.count > 1 ? `${text} (${group.count} times)` : text;
  };

  const { make } = window.AdvocacyPage;
  const refresh = () => { panel.hidden = shown.size === 0; };
  const keyOf = (group) => `${group.child || ''}|${group.kind}`;

  const show = (group) => {
    const key = keyOf(group);
    if (shown.has(key)) shown.get(key).remove();
    const li = make('li', `notes__item${group.urgent ? ' notes__item--urgent' : ''}`);
    li.dataset.kind = group.kind;
    li.dataset.count = String(group.count);
    li.append(make('p', 'notes__text', words(group)));
    const seen = make('button', 'button button--quiet notes__seen', 'Seen');
    seen.type = 'button';
    seen.addEventListener('click', async () => {
      const ack = await window.AdvocacyAlerts.markSeen({ groups: [{ child: group.child, kind: group.kind }] });
      if (!ack || !ack.ok) return;
      li.remove();
      shown.delete(key);
      refresh();
    });
    li.append(seen);
    list.prepend(li);
    shown.set(key, li);
    refresh();
  };

  document.addEventListener('advocacy:alerts', (event) => {
    for (const li of shown.values()) li.remove();
    shown.clear();
    event.detail.slice().reverse().forEach(show);
    refresh();
  });
  document.addEventListener('advocacy:notification', (event) => {
    const n = event.detail;
    if (n.seen || window.AdvocacyAlerts.handles(n.kind)) return;
    const key = keyOf(n);
    const before = shown.get(key);
    const count = before ? Number(before.dataset.count || 1) + 1 : 1;
    show({ kind: n.kind, child: n.child, child_name: null, count, urgent: n.urgent, latest_ids: n.ids || {} });
  });
})();
