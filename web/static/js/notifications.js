// What needs this member of staff: stored notifications (nudges and others), listed on connecting
// and pushed live on /console. Identifiers only arrive; names come from the page's own list.
(() => {
  'use strict';
  const panel = document.getElementById('notifications');
  const list = document.getElementById('notification-list');
  if (!panel || !list || typeof window.io !== 'function') return;
  const shown = new Map();

  const WORDS = {
    'child.waiting': (who) => `${who} has been waiting a while for a reply.`,
    'child.waiting_long': (who) => `${who} has been waiting more than a working day for a reply from their advocate.`,
    'child.paired': (who) => `${who} is now one of your children.`,
    'child.moved_away': (who) => `${who} has a different advocate now.`,
    'child.opted_out': (who) => `${who} has chosen not to have an advocate for now.`,
    'child.asked_for_someone_else': (who) => `${who} asked for a different advocate.`,
    'child.cover_started': (who) => `You are covering for ${who}'s advocate while they are away.`,
    'child.cover_ended': (who) => `Your cover for ${who} has ended.`,
    'complaint.made': () => 'A complaint about the service has come to you: see Complaints.',
  };

  // The child's name as the conversation list shows it, if this person can see it.
  const childName = (note) => {
    const conv = note.ids && note.ids.conversation;
    const row = conv && document.querySelector(`.conv-item[data-conversation="${CSS.escape(conv)}"] .conv-item__name`);
    return (row && row.textContent.trim()) || 'A child';
  };

  const words = (note) => {
    const say = WORDS[note.kind];
    if (say) return say(childName(note));
    return `${childName(note)}: ${note.kind.replace(/^child\./, '').replace(/[._]/g, ' ')}.`;
  };

  const { make } = window.AdvocacyPage;
  // Concerns, safeguarding flags and oversight are the alerts' (console-alerts.js), at the top of the page.
  const elsewhere = (note) => Boolean(window.AdvocacyAlerts && window.AdvocacyAlerts.handles(note.kind));

  const refresh = () => { panel.hidden = shown.size === 0; };

  const show = (note) => {
    if (note.seen || shown.has(note.id) || elsewhere(note)) return;
    const li = make('li', `notes__item${note.urgent ? ' notes__item--urgent' : ''}`);
    li.dataset.kind = note.kind;
    li.append(make('p', 'notes__text', words(note)));
    const seen = make('button', 'button button--quiet notes__seen', 'Seen');
    seen.type = 'button';
    seen.addEventListener('click', () => {
      socket.timeout(10000).emit('seen', { ids: [note.id] }, (err, ack) => {
        if (err || !ack || !ack.ok) return;
        li.remove();
        shown.delete(note.id);
        refresh();
      });
    });
    li.append(seen);
    list.prepend(li);
    shown.set(note.id, li);
    refresh();
  };

  // Names come from the conversation list: give it a moment to arrive first.
  const listed = () => new Promise((resolve) => {
    let tries = 0;
    const look = () => {
      if (document.querySelector('.conv-item') || tries >= 30) resolve();
      else { tries += 1; setTimeout(look, 100); }
    };
    look();
  });

  const socket = window.io('/console', { transports: ['websocket'] });
  socket.on('connect', async () => {
    await listed();
    socket.timeout(10000).emit('notifications', {}, (err, ack) => {
      if (!err && ack && ack.ok) ack.notifications.slice().reverse().forEach(show);
    });
  });
  socket.on('notification', show);
})();
