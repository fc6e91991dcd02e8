// Alerts on every console page: safeguarding flags, worries raised, reminders and escalations (from /console).
// They never take the work area: one line per child and kind with a count ("3 × A child told you about a
// worry (Amira)"), urgent ones first, in a box of its own height that scrolls, cleared a group at a time or
// all at once; acting on a worry clears its alerts on the server. Everything arrives in ONE request
// ('alerts', with the children's names); the kinds this box does not show go to the "Needs you" list
// (notifications.js) through the 'advocacy:alerts' event. An urgent alert is announced at once
// (role=alert) and puts "Urgent" in the tab's title.
(() => {
  'use strict';
  const box = document.getElementById('alerts');
  if (!box || !window.io) return;
  const urgentBox = document.getElementById('alerts-urgent');
  const otherBox = document.getElementById('alerts-other');
  const tools = document.getElementById('alerts-tools');
  const countText = document.getElementById('alerts-count');
  const allButton = document.getElementById('alerts-all-seen');
  const WORDS = {
    'safeguarding.flagged': 'Safeguarding flag: a message needs you to look now',
    'concern.raised': 'A child told you about a worry',
    'concern.due_soon': 'Reminder: a child is waiting for you to respond about a worry',
    'concern.escalated': 'A worry was escalated',
    'oversight.update_requested': 'A reviewer asked you for an update',
    'oversight.closed': 'A reviewer finished looking at a worry',
  };
  const groups = new Map(); // "child|kind" -> {group, item}
  const handles = (kind) => kind in WORDS;
  const socket = window.io('/console', { transports: ['websocket'], withCredentials: true });
  // For the "Needs you" list: which kinds are shown here, and marking its groups seen on the same socket.
  window.AdvocacyAlerts = {
    handles,
    markSeen: (payload) => socket.timeout(10000).emitWithAck('seen_groups', payload).catch(() => null),
  };
  const { make, title, chime } = window.AdvocacyPage;
  const keyOf = (child, kind) => `${child || ''}|${kind}`;

  // A safeguarding flag is as loud as the rule that matched: "urgent" rules say "look now", "high" ones do not.
  const high = (g) => g.kind === 'safeguarding.flagged' && !g.urgent;
  const describe = (g) => {
    if (high(g)) return 'Safeguarding flag: a message needs you to look soon';
    let words = WORDS[g.kind];
    if (g.kind === 'concern.escalated') {
      words += g.latest_ids.level === 'oversight' ? ' to the oversight queue' : " to the advocate's manager";
    }
    return words;
  };

  const refresh = () => {
    let total = 0;
    let urgent = 0;
    for (const { group } of groups.values()) {
      total += group.count;
      if (group.urgent) urgent += group.count;
    }
    title({ urgent });
    tools.hidden = groups.size === 0;
    countText.textContent = total === 1 ? '1 alert' : `${total} alerts`;
    box.dataset.count = String(total);
  };

  const forget = (key) => {
    const entry = groups.get(key);
    if (entry) entry.item.remove();
    groups.delete(key);
  };

  const seen = async (button, payload, keys) => {
    button.disabled = true;
    const answer = await socket.timeout(10000).emitWithAck('seen_groups', payload).catch(() => null);
    if (!answer || !answer.ok) {
      // Not recorded: the alerts stay, and say so.
      button.disabled = false;
      button.textContent = 'Not saved: try again';
      return;
    }
    keys.forEach(forget);
    refresh();
  };

  const paint = (entry) => {
    const { group, item } = entry;
    item.className = `alert${group.urgent ? ' alert--urgent' : high(group) ? ' alert--high' : ''}`;
    item.dataset.kind = group.kind;
    item.dataset.count = String(group.count);
    const text = make('p', 'alert__text');
    text.append(make('span', 'alert__label', group.urgent ? 'Urgent' : high(group) ? 'High' : 'New'));
    if (group.count > 1) text.append(make('span', 'alert__count', `${group.count} ×`), ' ');
    text.append(describe(group));
    if (group.child_name) text.append(make('span', 'alert__who', ` (${group.child_name})`));
    const parts = [text];
    if (group.latest_ids && group.latest_ids.concern) {
      const link = make('a', `button${group.urgent ? ' button--danger' : ' button--quiet'}`, 'Open');
      link.href = `/console/concerns#concern=${encodeURIComponent(group.latest_ids.concern)}`;
      parts.push(link);
    }
    const done = make('button', 'button button--quiet', 'Mark as seen');
    done.type = 'button';
    const key = keyOf(group.child, group.kind);
    done.addEventListener('click', () => seen(done, { groups: [{ child: group.child, kind: group.kind }] }, [key]));
    parts.push(done);
    item.replaceChildren(...parts);
  };

  const place = (group) => {
    const key = keyOf(group.child, group.kind);
    const entry = { group, item: make('div', 'alert') };
    entry.item.dataset.group = key;
    groups.set(key, entry);
    paint(entry);
    return entry;
  };

  // A notification pushed live joins its group (or starts one, at the top of its box).
  const add = (n) => {
    if (n.seen || !handles(n.kind)) return false;
    const key = keyOf(n.child, n.kind);
    const entry = groups.get(key);
    if (entry) {
      if (entry.group.ids.includes(n.id)) return true;
      entry.group.count += 1;
      entry.group.ids.push(n.id);
      entry.group.urgent = entry.group.urgent || n.urgent;
      entry.group.latest = n.created_at;
      entry.group.latest_ids = n.ids || {};
      paint(entry);
      (entry.group.urgent ? urgentBox : otherBox).prepend(entry.item);
      return true;
    }
    const fresh = place({
      kind: n.kind, child: n.child, child_name: null, count: 1, ids: [n.id], urgent: n.urgent,
      latest: n.created_at, latest_ids: n.ids || {},
    });
    (n.urgent ? urgentBox : otherBox).prepend(fresh.item);
    return true;
  };

  allButton.addEventListener('click', () => seen(allButton, { all: true, kinds: Object.keys(WORDS) }, [...groups.keys()]));

  const load = async () => {
    const answer = await socket.timeout(10000).emitWithAck('alerts', {}).catch(() => null);
    box.dataset.loaded = answer && answer.ok ? 'true' : 'false';
    if (!answer || !answer.ok) return;
    for (const key of [...groups.keys()]) forget(key);
    const others = [];
    for (const group of answer.groups) {
      if (!handles(group.kind)) { others.push(group); continue; }
      const entry = place(group);
      (group.urgent ? urgentBox : otherBox).append(entry.item);
    }
    allButton.disabled = false;
    allButton.textContent = 'Mark all as seen';
    refresh();
    document.dispatchEvent(new CustomEvent('advocacy:alerts', { detail: others }));
  };
  // A live alert shows at once; the child's name follows with one reload for a burst of them.
  let reload = null;
  const reloadSoon = () => {
    clearTimeout(reload);
    reload = setTimeout(load, 300);
  };

  socket.on('connect', load);
  socket.on('notification', (n) => {
    if (add(n)) {
      refresh();
      chime(n.urgent);
      reloadSoon();
    }
    document.dispatchEvent(new CustomEvent('advocacy:notification', { detail: n }));
  });
})();
