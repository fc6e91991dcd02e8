// The advocate console: my children on the left, one conversation in the middle, that child's concerns beside it.
// Keyboard shortcuts (listed on the page) never act while someone is typing in a box.
(() => {
  'use strict';
  const { ChatClient, make } = window.AdvocacyChat;
  const page = window.AdvocacyPage;
  const $ = (id) => document.getElementById(id);
  const listEl = $('conversation-list');
  const listEmpty = $('conversation-list-empty');
  const titleEl = $('conversation-title');
  const presenceEl = $('presence');
  const emptyNote = $('empty-note');
  const exportLink = $('export-link');
  const advocacyLink = $('advocacy-link');
  const logButton = $('log-from-chat');
  const LATE_MS = 24 * 3600 * 1000;
  const rows = new Map();
  const api = page.jsonApi('/staff/sign-in');
  let client = null;

  const formatWaiting = (iso) => {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (minutes < 1) return 'waiting under 1 min';
    if (minutes < 60) return `waiting ${minutes} min`;
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? `waiting ${hours} h` : `waiting ${Math.floor(hours / 24)} days`;
  };

  const nonInstructedWords = (ni) => {
    const last = ni.last_visit_at ? `last visit ${new Date(ni.last_visit_at).toLocaleDateString('en-GB')}` : 'no visit yet';
    return `Non-instructed · ${last}${ni.visit_overdue ? ' · visit overdue' : ''}`;
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
      const name = make('span', 'conv-item__name');
      row = {
        li, button, name,
        online: make('span', 'conv-item__online', 'Online'),
        badge: make('span', 'badge conv-item__unread'),
        waiting: make('span', 'conv-item__waiting'),
        visit: make('span', 'conv-item__visit'),
      };
      const first = make('span');
      first.append(name, ' ', row.online);
      button.append(first, row.badge, row.waiting, row.visit);
      button.addEventListener('click', () => choose(conv));
      li.append(button);
      listEl.append(li);
      rows.set(conv.id, row);
    }
    const s = conv.summary;
    row.name.textContent = childName(conv);
    row.online.hidden = !s.child_online;
    row.badge.hidden = !s.unread;
    row.badge.replaceChildren(String(s.unread || 0), make('span', 'visually-hidden', ' unread'));
    row.waiting.textContent = s.waiting_since ? formatWaiting(s.waiting_since) : '';
    row.waiting.classList.toggle('conv-item__waiting--late',
      Boolean(s.waiting_since) && Date.now() - Date.parse(s.waiting_since) > LATE_MS);
    // Non-instructed advocacy: said in the list, with when the child was last visited.
    const ni = s.non_instructed;
    row.visit.hidden = !ni;
    row.visit.textContent = ni ? nonInstructedWords(ni) : '';
    row.visit.classList.toggle('conv-item__waiting--late', Boolean(ni && ni.visit_overdue));
    row.button.setAttribute('aria-current', client && client.active === conv ? 'true' : 'false');
  };

  const renderAll = () => {
    for (const conv of client.conversations.values()) renderRow(conv);
    let unread = 0;
    for (const conv of client.conversations.values()) unread += conv.summary.unread || 0;
    page.title({ unread });
  };

  // Children waiting longest first, then everyone else by name.
  const ordered = () => Array.from(client.conversations.values()).sort((a, b) => {
    const wa = a.summary.waiting_since ? Date.parse(a.summary.waiting_since) : Infinity;
    const wb = b.summary.waiting_since ? Date.parse(b.summary.waiting_since) : Infinity;
    if (wa !== wb) return wa < wb ? -1 : 1;
    return childName(a).localeCompare(childName(b), 'en-GB');
  });
  const order = () => { for (const conv of ordered()) listEl.append(rows.get(conv.id).li); };

  // the child's concerns, beside the conversation ---------------------------------------

  const sideList = $('side-concerns');
  const sideNote = $('side-note');
  let sideAsked = 0;

  const sideItem = (c) => {
    const li = make('li', 'side-item');
    const link = make('a');
    link.href = `/console/concerns#concern=${encodeURIComponent(c.id)}`;
    link.append(make('span', 'side-item__what', c.category_label),
      make('span', 'side-item__state', `${page.CONCERN_STATUS[c.status] || c.status} · ${c.severity}`));
    if (c.due_words) {
      link.append(make('span', `side-item__due${c.due_late ? ' side-item__due--late' : ''}`, c.due_words));
    }
    li.append(link);
    return li;
  };

  const loadSide = async (conv) => {
    const asked = ++sideAsked;
    const child = conv.summary.child;
    sideNote.textContent = 'Loading…';
    let result = null;
    try {
      result = await api('GET', `/api/concerns?child=${encodeURIComponent(child)}`);
    } catch (e) {
      result = null;
    }
    if (asked !== sideAsked) return; // another child was chosen meanwhile
    const answer = result && result.answer;
    if (!answer || !answer.ok) {
      sideList.replaceChildren();
      sideNote.textContent = "Their concerns couldn't be loaded. Try choosing them again.";
      return;
    }
    sideList.replaceChildren(...answer.concerns.map(sideItem));
    sideNote.textContent = answer.concerns.length
      ? `${childName(conv)}: ${answer.concerns.length} concern${answer.concerns.length === 1 ? '' : 's'}`
      : `${childName(conv)} has no concerns logged.`;
  };

  const logSelect = $('log-child');
  const conversationOfChild = (childId) => Array.from(client.conversations.values()).find((c) => c.summary.child === childId);
  const logForm = window.AdvocacyConcernForm.attach({
    async messagesOf(childId) {
      const conv = conversationOfChild(childId);
      if (!conv) return [];
      if (!conv.loaded) await conv.loadLatest();
      return conv.messagesFrom('child');
    },
    onLogged(concern) {
      client.announce(`Concern logged for ${concern.child_name || 'the child'}.`);
      if (client.active) loadSide(client.active);
    },
  });

  // choosing a child ------------------------------------------------------------------------

  const choose = (conv, focusRow) => {
    client.select(conv);
    $('choose-note').hidden = true;
    titleEl.textContent = childName(conv);
    // The language the child reads the service in (their choice) and the languages on their record.
    const lang = $('child-language');
    const chosen = conv.summary.child_language;
    const spoken = conv.summary.child_languages || [];
    lang.textContent = chosen ? `Reads the service in ${chosen.name}.${spoken.length ? ` Languages: ${spoken.join(', ')}.` : ''}` : '';
    lang.hidden = !chosen;
    // A child's right of access: everything held about them, as a page they can read.
    exportLink.href = `/api/children/${encodeURIComponent(conv.summary.child)}/export.html`;
    exportLink.hidden = false;
    // Non-instructed advocacy (visits) and key moments in the child's care, on a page of their own.
    advocacyLink.href = `/console/children/${encodeURIComponent(conv.summary.child)}/advocacy`;
    advocacyLink.hidden = false;
    logButton.hidden = false;
    logSelect.value = conv.summary.child;
    // The interpreter panel (console-interpreting.js) follows the chosen conversation.
    document.dispatchEvent(new CustomEvent('conversation-chosen', { detail: { id: conv.id } }));
    showPresence(conv);
    renderAll();
    loadSide(conv);
    // What other panels show of the child comes with the conversation's summary (the Leaving care panel's date).
    document.dispatchEvent(new CustomEvent('advocacy:child-chosen', {
      detail: { child: conv.summary.child, leftCare: conv.summary.child_left_care },
    }));
    if (focusRow) rows.get(conv.id).button.focus();
    if (window.history.replaceState) window.history.replaceState(null, '', `#${encodeURIComponent(conv.id)}`);
  };

  const move = (step) => {
    const convs = ordered();
    if (!convs.length) return;
    const at = convs.indexOf(client.active);
    const next = at < 0 ? convs[step > 0 ? 0 : convs.length - 1] : convs[Math.min(convs.length - 1, Math.max(0, at + step))];
    choose(next, true);
  };

  const nextUnread = () => {
    const convs = ordered();
    const at = convs.indexOf(client.active);
    const rest = convs.slice(at + 1).concat(convs.slice(0, at + 1));
    const found = rest.find((c) => c.summary.unread > 0 && c !== client.active);
    if (found) choose(found, true);
    else client.announce('No other child has unread messages.');
  };

  // a child writes: the list, the tab's title, and (if chosen) a sound and a desktop notification -----------

  const soundBox = $('setting-sound');
  const desktopBox = $('setting-desktop');
  const settingNote = $('setting-note');
  const canNotify = 'Notification' in window;
  soundBox.checked = page.setting('sound');
  desktopBox.checked = canNotify && page.setting('desktop') && Notification.permission === 'granted';
  soundBox.addEventListener('change', async () => {
    page.setting('sound', soundBox.checked);
    if (soundBox.checked) {
      await page.unlockSound();
      page.chime(false);
    }
    settingNote.textContent = soundBox.checked ? 'Sound on.' : 'Sound off.';
  });
  desktopBox.addEventListener('change', async () => {
    if (!desktopBox.checked) {
      page.setting('desktop', false);
      settingNote.textContent = 'Desktop notifications off.';
      return;
    }
    const permission = canNotify ? await Notification.requestPermission() : 'denied';
    desktopBox.checked = permission === 'granted';
    page.setting('desktop', desktopBox.checked);
    settingNote.textContent = desktopBox.checked
      ? 'Desktop notifications on. They never show what a child wrote.'
      : 'This browser is not letting the console show notifications. Check its site settings.';
  });

  // Away: this tab is hidden, or another window (or another app) has the focus.
  const away = () => document.visibilityState !== 'visible' || !document.hasFocus();

  const tellStaff = (conv) => {
    if (!away() && conv === client.active) return;
    page.chime(false);
    client.announce(`New message from ${childName(conv)}`);
    if (away() && desktopBox.checked && canNotify && Notification.permission === 'granted') {
      // What a child wrote, and who they are, stay off the screen's corner: the console shows them.
      const note = new Notification('Advocacy console', { body: 'A child has written to you.', tag: 'advocacy-message' });
      note.addEventListener('click', () => {
        window.focus();
        choose(conv, true);
        note.close();
      });
    }
  };

  // keyboard shortcuts ------------------------------------------------------------------------

  const typingIn = (el) => el instanceof Element && Boolean(el.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.key === 'Escape' && event.target === client.input) {
      const row = client.active && rows.get(client.active.id);
      if (row) row.button.focus();
      return;
    }
    if (typingIn(event.target) || event.ctrlKey || event.metaKey) return;
    if (event.altKey) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        move(event.key === 'ArrowDown' ? 1 : -1);
      }
      return;
    }
    const act = {
      j: () => move(1),
      k: () => move(-1),
      n: nextUnread,
      '/': () => { if (!client.input.disabled) client.input.focus(); },
      c: () => { if (client.active) logForm.open(client.active.summary.child); },
      '?': () => { $('shortcuts').open = true; $('shortcuts').querySelector('summary').focus(); },
    }[event.key];
    if (!act) return;
    event.preventDefault();
    act();
  });

  // The advocate's online/away switch: their children's header and the automatic away reply follow it.
  const awaySwitch = $('away-switch');
  if (awaySwitch) {
    const showAway = (away) => {
      awaySwitch.setAttribute('aria-pressed', String(away));
      awaySwitch.textContent = away ? 'Away' : 'Online';
      $('away-note').textContent = away
        ? "Your children see you are away and get an automatic reply saying when you'll be back."
        : 'Your children see you are online while this page is open. Press to switch to away.';
    };
    awaySwitch.addEventListener('click', async () => {
      const away = awaySwitch.getAttribute('aria-pressed') !== 'true';
      awaySwitch.disabled = true;
      const answer = await client.call('availability', { away });
      awaySwitch.disabled = false;
      if (answer && answer.ok) showAway(answer.away);
      else $('away-note').textContent = 'Not saved: try again.';
    });
  }

  logButton.addEventListener('click', () => client.active && logForm.open(client.active.summary.child));

  // A worry raised or flagged for the child on screen shows in the concerns beside the chat at once.
  // A moment later, not at once: news that the child moved to another advocate arrives beside the update of the
  // conversation list, and asking for the concerns of a child who is no longer this advocate's is refused.
  document.addEventListener('advocacy:notification', (event) => {
    const child = event.detail.child;
    setTimeout(() => {
      const active = client && client.active;
      if (active && child === active.summary.child && client.conversations.has(active.id)) loadSide(active);
    }, 300);
    // A message flagged by safeguarding is marked where it sits in the conversation.
    const flagged = event.detail.kind === 'safeguarding.flagged' && event.detail.ids && event.detail.ids.message;
    const li = flagged && document.querySelector(`#messages [data-id="${CSS.escape(flagged)}"]`);
    if (li) window.AdvocacyChat.Conversation.markFlagged(li);
  });

  client = new ChatClient({
    me: document.body.dataset.userId,
    signInUrl: '/staff/sign-in',
    onConversations(list, chat) {
      for (const conv of chat.conversations.values()) renderRow(conv);
      renderAll();
      order();
      listEmpty.hidden = list.length > 0;
      const chosen = logSelect.value;
      logSelect.replaceChildren(...ordered().map((conv) => {
        const option = make('option', null, childName(conv));
        option.value = conv.summary.child;
        return option;
      }));
      if (chosen) logSelect.value = chosen;
      if (chat.active) {
        titleEl.textContent = childName(chat.active);
        showPresence(chat.active);
        return;
      }
      const wanted = decodeURIComponent(window.location.hash.slice(1));
      if (wanted && chat.conversations.has(wanted)) choose(chat.conversations.get(wanted));
      else emptyNote.hidden = true;
      if (!list.length) $('choose-note').hidden = true;
    },
    onGone(conv) {
      const row = rows.get(conv.id);
      if (row) row.li.remove();
      rows.delete(conv.id);
      if (client.active) return;
      titleEl.textContent = '';
      presenceEl.hidden = true;
      exportLink.hidden = true;
      advocacyLink.hidden = true;
      logButton.hidden = true;
      sideAsked += 1; // a list still loading for them is not shown
      sideList.replaceChildren();
      sideNote.textContent = 'Choose a child to see their concerns.';
      $('choose-note').hidden = false;
      if (window.history.replaceState) window.history.replaceState(null, '', window.location.pathname);
      client.announce(`${childName(conv)} is no longer in your list.`);
    },
    onMessage(conv, msg) {
      const role = msg.sender && msg.sender.role;
      const looking = conv === client.active && document.visibilityState === 'visible';
      // The service's and bots' automatic messages are not a person writing: they never count as unread.
      const automatic = role === 'service' || role === 'bot';
      if (msg.sender && msg.sender.id !== client.me && !looking && !automatic) {
        conv.summary.unread = (conv.summary.unread || 0) + 1;
      }
      if (role === 'child' && !conv.summary.waiting_since) conv.summary.waiting_since = msg.sent_at;
      // Only an advocate's reply answers the child; the service's and bots' notices do not.
      if (role === 'advocate') conv.summary.waiting_since = null;
      renderAll();
      order();
      if (role === 'child') tellStaff(conv);
    },
    onChange(conv, what) {
      if (what.sent) {
        conv.summary.waiting_since = null;
        order();
      }
      if (what.sent || what.read) renderAll();
    },
    onPresence(conv, data) {
      if (data.role !== 'child') return;
      conv.summary.child_online = data.online;
      renderRow(conv);
      if (conv === client.active) showPresence(conv);
    },
  });
  client.start();
  setInterval(renderAll, 30000);
  // A link to a conversation on this page (a search result) chooses that child.
  window.addEventListener('hashchange', () => {
    const wanted = decodeURIComponent(window.location.hash.slice(1));
    if (wanted && client.conversations.has(wanted) && client.active !== client.conversations.get(wanted)) {
      choose(client.conversations.get(wanted), true);
    }
  });
})();
