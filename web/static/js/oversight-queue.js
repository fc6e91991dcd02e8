// The oversight queue, live: when any item arrives or changes, the queue is asked for again over the
// /oversight Socket.IO namespace with the page's filters and the table and counts are rebuilt
// (DOM nodes and textContent only). Without script the page still works: reload it.
(() => {
  'use strict';
  const { make } = window.AdvocacyPage;
  const $ = (id) => document.getElementById(id);
  const table = $('queue');
  if (!table || typeof io !== 'function') return;
  const filters = JSON.parse(table.dataset.filters || '{}');
  const page = Number(table.dataset.page || '1');
  const PAGE_SIZE = 50;
  const STATUS = { new: 'New', claimed: 'Claimed', awaiting_update: 'Waiting for an update', closed: 'Closed' };
  const live = $('queue-live');
  let known = new Set([...document.querySelectorAll('#queue-body tr')].map((tr) => tr.dataset.item));

  const row = (item, fresh) => {
    const tr = make('tr', fresh ? 'queue-row--new' : null);
    tr.dataset.item = item.id;
    const level = make('td');
    level.append(make('span', `level level--${item.level}`, item.level.charAt(0).toUpperCase() + item.level.slice(1)));
    const ref = make('th');
    ref.scope = 'row';
    const link = make('a', null, item.ref);
    link.href = `/oversight/items/${encodeURIComponent(item.id)}`;
    ref.append(link);
    const la = make('td', null, item.la_name || item.la);
    la.append(make('span', 'explain', item.region || ''));
    const claimed = item.claimed_by_me ? 'You' : item.claimed_by ? (item.claimed_by_name || 'Another reviewer') : 'Nobody';
    const due = make('td');
    if (item.overdue) due.append(make('span', 'overdue', item.due_words)); else due.textContent = item.due_words;
    tr.append(level, ref, make('td', null, item.age_band), la, make('td', null, item.category_label),
      make('td', null, STATUS[item.status] || item.status), make('td', null, claimed), due);
    return tr;
  };

  const showCounts = (counts) => {
    if (!counts) return;
    const set = (id, n) => { const el = $(id); if (el) el.textContent = String(n || 0); };
    set('count-open', counts.open);
    for (const level of ['urgent', 'high', 'standard']) set(`count-${level}`, (counts.level || {})[level]);
    set('count-unclaimed', counts.unclaimed);
    set('count-mine', counts.mine);
  };

  const refresh = async (socket, change) => {
    const answer = await socket.timeout(10000).emitWithAck('queue', filters).catch(() => null);
    if (!answer || !answer.ok) return;
    showCounts(answer.counts);
    $('queue-total').textContent = String(answer.total);
    if (page !== 1) {
      if (change) live.textContent = 'The queue has changed. Go to the first page or reload to see it.';
      return;
    }
    const items = answer.items.slice(0, PAGE_SIZE);
    const fresh = items.filter((item) => !known.has(item.id));
    $('queue-body').replaceChildren(...items.map((item) => row(item, !known.has(item.id))));
    $('queue-empty').hidden = items.length > 0;
    known = new Set(items.map((item) => item.id));
    if (fresh.length) {
      live.textContent = fresh.length === 1
        ? `New in the queue: ${fresh[0].level} item ${fresh[0].ref} (${fresh[0].category_label}, ${fresh[0].la_name || fresh[0].la}).`
        : `${fresh.length} new items in the queue.`;
    } else if (change === 'added') {
      live.textContent = 'A new item arrived that does not match these filters.';
    }
  };

  const socket = io('/oversight', { transports: ['websocket'], withCredentials: true });
  socket.on('item', (event) => refresh(socket, event && event.change));
  socket.on('connect', () => { if (live.dataset.connected) refresh(socket, null); live.dataset.connected = '1'; });
  socket.on('connect_error', () => { live.textContent = 'Live updates are not working right now; reload the page to see changes.'; });
})();
