// The console's tools beside the conversations: filters on the list of children (one request each), search
// across my conversations and concerns, the team's saved replies put into the reply box, and cover by hand.
// Everything from the server is shown through textContent; a saved reply's rich text (cleaned when it was
// saved) is rebuilt node by node from an allow-list, never through innerHTML.
(() => {
  'use strict';
  const page = window.AdvocacyPage;
  const { make } = page;
  const api = page.jsonApi('/staff/sign-in');
  const $ = (id) => document.getElementById(id);
  const failed = (result, fallback) => (result && result.answer && result.answer.error && result.answer.error.message)
    || fallback;

  // filters on the list of children ---------------------------------------------------------

  const list = $('conversation-list');
  const filterStatus = $('filter-status');
  const FILTER_WORDS = { unread: 'with unread messages', waiting: 'waiting for a reply, longest first',
    concern_due: 'with a concern due within two days or late' };
  let filter = 'all';
  let asked = 0;

  const applyFilter = async () => {
    const mine = ++asked;
    const rows = Array.from(list.querySelectorAll('button[data-conversation]'));
    if (filter === 'all') {
      for (const button of rows) button.closest('li').hidden = false;
      for (const button of rows) {
        const due = button.querySelector('.conv-item__due');
        if (due) due.remove();
      }
      filterStatus.textContent = '';
      return;
    }
    const result = await api('GET', `/api/console/children?filter=${encodeURIComponent(filter)}`);
    if (mine !== asked) return;
    if (!result || !result.answer || !result.answer.ok) {
      filterStatus.textContent = failed(result, "The list couldn't be filtered. Try again.");
      return;
    }
    const shown = new Map(result.answer.children.map((c) => [c.conversation, c]));
    for (const button of rows) {
      const li = button.closest('li');
      const row = shown.get(button.dataset.conversation);
      li.hidden = !row;
      let due = button.querySelector('.conv-item__due');
      if (row && row.concern_due && filter === 'concern_due') {
        if (!due) { due = make('span', 'conv-item__waiting conv-item__due'); button.append(due); }
        due.textContent = row.concern_due.words;
        due.classList.toggle('conv-item__waiting--late', row.concern_due.late);
      } else if (due) due.remove();
    }
    for (const c of result.answer.children) { // in the server's order
      const button = list.querySelector(`button[data-conversation="${CSS.escape(c.conversation)}"]`);
      if (button) list.append(button.closest('li'));
    }
    const count = result.answer.children.length;
    filterStatus.textContent = count
      ? `${count} ${count === 1 ? 'child' : 'children'} ${FILTER_WORDS[filter]}.`
      : `No children ${FILTER_WORDS[filter]}.`;
  };

  for (const button of document.querySelectorAll('#list-filters [data-filter]')) {
    button.addEventListener('click', () => {
      filter = button.dataset.filter;
      for (const other of document.querySelectorAll('#list-filters [data-filter]')) {
        other.setAttribute('aria-pressed', String(other === button));
      }
      applyFilter();
    });
  }
  setInterval(() => { if (filter !== 'all') applyFilter(); }, 30000);

  // search -------------------------------------------------------------------------------------

  const searchForm = $('search-form');
  const searchStatus = $('search-status');
  const results = $('search-results');
  const WHO = { child: 'The child', advocate: 'Advocate' };

  const resultItem = (href, heading, detail, words) => {
    const li = make('li');
    const a = make('a');
    a.href = href;
    a.append(make('strong', null, heading), make('span', 'hint', detail), make('span', null, words));
    li.append(a);
    return li;
  };

  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = $('search-input').value.trim();
    if (q.length < 2) {
      searchStatus.textContent = 'Type at least 2 letters to search.';
      return;
    }
    searchStatus.textContent = 'Searching…';
    const result = await api('GET', `/api/search?q=${encodeURIComponent(q)}`);
    const answer = result && result.answer;
    if (!answer || !answer.ok) {
      results.replaceChildren();
      searchStatus.textContent = failed(result, "The search didn't work. Try again.");
      return;
    }
    const items = [
      ...answer.messages.map((m) => resultItem(`/console#${encodeURIComponent(m.conversation)}`,
        m.child_name || 'A child', `${WHO[m.from] || m.from} · ${new Date(m.sent_at).toLocaleString('en-GB')}`, m.words)),
      ...answer.concerns.map((c) => resultItem(
        c.conversation ? `/console#${encodeURIComponent(c.conversation)}` : `/console/concerns#concern=${encodeURIComponent(c.id)}`,
        c.child_name || 'A child', `Concern: ${c.about} · ${page.CONCERN_STATUS[c.status] || c.status}`, c.words)),
    ];
    results.replaceChildren(...items);
    const found = items.length;
    searchStatus.textContent = `${found ? `${found} found` : 'Nothing found'}${answer.complete ? '.' : '; only the newest messages and concerns were searched.'}`;
  });

  // saved replies ----------------------------------------------------------------------------

  const cannedChoice = $('canned-choice');
  const cannedPreview = $('canned-preview');
  const cannedInsert = $('canned-insert');
  const cannedStatus = $('canned-status');
  const input = $('message-input');
  const replies = new Map();
  const ALLOWED = new Set(['P', 'BR', 'STRONG', 'B', 'EM', 'I', 'UL', 'OL', 'LI', 'A']);

  // Rebuild the stored (already cleaned) rich text from the allow-list alone: text as text nodes, links only
  // to http, https or mailto. Nothing from the stored text is given to the page as HTML.
  const rebuild = (from, into) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        into.append(document.createTextNode(node.textContent));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        if (!ALLOWED.has(node.tagName)) {
          rebuild(node, into);
          continue;
        }
        const el = document.createElement(node.tagName.toLowerCase());
        if (node.tagName === 'A') {
          const href = node.getAttribute('href') || '';
          if (/^(https?:|mailto:)/i.test(href)) el.href = href;
          el.rel = 'nofollow noopener noreferrer';
        }
        rebuild(node, el);
        into.append(el);
      }
    }
  };

  const showReply = () => {
    const reply = replies.get(cannedChoice.value);
    cannedPreview.replaceChildren();
    cannedInsert.disabled = !reply || input.disabled;
    if (!reply) return;
    const parsed = new DOMParser().parseFromString(reply.body, 'text/html');
    rebuild(parsed.body, cannedPreview);
  };

  const loadReplies = async () => {
    const result = await api('GET', '/api/canned-replies');
    const answer = result && result.answer;
    if (!answer || !answer.ok) {
      cannedChoice.replaceChildren(make('option', null, 'Saved replies could not be loaded'));
      return;
    }
    replies.clear();
    const first = make('option', null, answer.replies.length ? 'Choose…' : 'No saved replies yet');
    first.value = '';
    cannedChoice.replaceChildren(first, ...answer.replies.map((r) => {
      replies.set(r.id, r);
      const option = make('option', null, r.title);
      option.value = r.id;
      return option;
    }));
  };

  cannedChoice.addEventListener('change', showReply);
  cannedInsert.addEventListener('click', () => {
    const reply = replies.get(cannedChoice.value);
    if (!reply || input.disabled) return;
    // As plain text, where the cursor is: the advocate reads it and can change it before sending.
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + reply.text + input.value.slice(end);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.focus();
    cannedStatus.textContent = `"${reply.title}" is in the reply box. Check it, then send.`;
  });
  $('canned').addEventListener('toggle', () => { if ($('canned').open) loadReplies(); });
  document.addEventListener('advocacy:child-chosen', () => { cannedInsert.disabled = !replies.get(cannedChoice.value); });

  // cover by hand -------------------------------------------------------------------------------

  const coverBox = $('cover-hand');
  let child = null;
  document.addEventListener('advocacy:child-chosen', (event) => {
    child = event.detail.child;
    if (coverBox) {
      coverBox.hidden = false;
      $('cover-status').textContent = '';
    }
  });
  if (coverBox) {
    $('cover-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!child) return;
      const hours = Number.parseInt($('cover-hours').value, 10);
      const result = await api('POST', `/api/children/${encodeURIComponent(child)}/cover`,
        { cover: $('cover-who').value, hours: Number.isNaN(hours) ? null : hours });
      const answer = result && result.answer;
      $('cover-status').textContent = answer && answer.ok
        ? `${answer.cover.cover.name} answers this child until ${answer.cover.until}. The child has been told.`
        : failed(result, 'Not handed over: try again.');
    });
    $('cover-end').addEventListener('click', async () => {
      if (!child) return;
      const result = await api('DELETE', `/api/children/${encodeURIComponent(child)}/cover`);
      $('cover-status').textContent = result && result.answer && result.answer.ok
        ? 'The cover has ended. The child has been told.' : failed(result, 'Not ended: try again.');
    });
  }
})();
