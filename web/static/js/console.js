// The advocate console: the children list on the left, one conversation on the right.
(() => {
  'use strict';
  const { ChatClient, make } = window.AdvocacyChat;
  const listEl = document.getElementById('conversation-list');
  const listEmpty = document.getElementById('conversation-list-empty');
  const titleEl = document.getElementById('conversation-title');
  const presenceEl = document.getElementById('presence');
  const emptyNote = document.getElementById('empty-note');
  const LATE_MS = 24 * 3600 * 1000;
  const rows = new Map();
  let client = null;

  const formatWaiting = (iso) => {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return 'waiting under 1 min';
    if (minutes < 60) return `waiting ${minutes} min`;
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? `waiting ${hours} h` : `waiting ${Math.floor(hours / 24)} days`;
  };

  const childName = (conv) => (conv.summary.child_name || '').trim() || 'Unnamed child';

  const showPresence = (conv) => {
    const online = Boolean(conv.summary.child_online);
    presenceEl.hidden = false;
    presenceEl.textContent = online ? 'Online now' : 'Not online right now';
    presenceEl.classList.toggle('presence--online', online);
  };

  const renderRow = (conv) => {
    let row = rows.get(conv.id);
    if (!row) {
      const li = make('li');
      const button = make('button', 'conv-item');
      button.type = 'button';
      button.dataset.conversation = conv.id;
      row = {
        li, button,
        name: make('span', 'conv-item__name'),
        badge: make('span', 'badge conv-item__unread'),
        waiting: make('span', 'conv-item__waiting'),
      };
      button.append(row.name, row.badge, row.waiting);
      button.addEventListener('click', () => choose(conv));
      li.append(button);
      listEl.append(li);
      rows.set(conv.id, row);
    }
    const s = conv.summary;
    row.name.textContent = childName(conv);
    row.name.classList.toggle('conv-item__name--online', Boolean(s.child_online));
    row.badge.hidden = !s.unread;
    row.badge.replaceChildren(String(s.unread || 0), make('span', 'visually-hidden', ' unread'));
    row.waiting.textContent = s.waiting_since ? formatWaiting(s.waiting_since) : '';
    row.waiting.classList.toggle('conv-item__waiting--late',
      Boolean(s.waiting_since) && Date.now() - Date.parse(s.waiting_since) > LATE_MS);
    row.button.setAttribute('aria-current', client && client.active === conv ? 'true' : 'false');
  };

  // Children waiting longest first, then everyone else by name.
  const order = () => {
    const convs = Array.from(client.conversations.values());
    convs.sort((a, b) => {
      const wa = a.summary.waiting_since ? Date.parse(a.summary.waiting_since) : Infinity;
      const wb = b.summary.waiting_since ? Date.parse(b.summary.waiting_since) : Infinity;
      if (wa !== wb) return wa < wb ? -1 : 1;
      return childName(a).localeCompare(childName(b), 'en-GB');
    });
    for (const conv of convs) listEl.append(rows.get(conv.id).li);
  };

  const exportLink = document.getElementById('export-link');

  const choose = (conv) => {
    client.select(conv);
    titleEl.textContent = childName(conv);
    // A child's right of access: everything held about them, as a page they can read.
    exportLink.href = `/api/children/${encodeURIComponent(conv.summary.child)}/export.html`;
    exportLink.hidden = false;
    showPresence(conv);
    for (const c of client.conversations.values()) renderRow(c);
    if (window.history.replaceState) window.history.replaceState(null, '', `#${encodeURIComponent(conv.id)}`);
  };

  client = new ChatClient({
    me: document.body.dataset.userId,
    signInUrl: '/staff/sign-in',
    onConversations(list, chat) {
      for (const conv of chat.conversations.values()) renderRow(conv);
      order();
      listEmpty.hidden = list.length > 0;
      if (chat.active) {
        titleEl.textContent = childName(chat.active);
        showPresence(chat.active);
        return;
      }
      const wanted = decodeURIComponent(window.location.hash.slice(1));
      if (wanted && chat.conversations.has(wanted)) choose(chat.conversations.get(wanted));
      else emptyNote.hidden = true;
    },
    onMessage(conv, msg) {
      const role = msg.sender && msg.sender.role;
      const looking = conv === client.active && document.visibilityState === 'visible';
      if (msg.sender && msg.sender.id !== client.me && !looking) conv.summary.unread = (conv.summary.unread || 0) + 1;
      if (role === 'child' && !conv.summary.waiting_since) conv.summary.waiting_since = msg.sent_at;
      // Only an advocate's reply answers the child; the service's and bots' notices do not.
      if (role === 'advocate') conv.summary.waiting_since = null;
      renderRow(conv);
      order();
    },
    onChange(conv, what) {
      if (what.sent) {
        conv.summary.waiting_since = null;
        order();
      }
      if (what.sent || what.read) renderRow(conv);
    },
    onPresence(conv, data) {
      if (data.role !== 'child') return;
      conv.summary.child_online = data.online;
      renderRow(conv);
      if (conv === client.active) showPresence(conv);
    },
  });
  client.start();
  setInterval(() => { for (const conv of client.conversations.values()) renderRow(conv); }, 30000);
})();
