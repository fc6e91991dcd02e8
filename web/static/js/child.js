// The child's chat page: one conversation, with their advocate.
(() => {
  'use strict';
  const { ChatClient } = window.AdvocacyChat;
  const box = document.getElementById('messages');
  const nameEl = document.getElementById('advocate-name');
  const initialEl = document.getElementById('advocate-initial');
  const presenceEl = document.getElementById('presence');

  // The welcome after choosing a PIN shows once: reloading the page, or coming back to it, does not bring it back.
  if (window.location.search && window.history.replaceState) window.history.replaceState(null, '', window.location.pathname);

  const welcome = document.getElementById('welcome');
  const showWelcome = () => {
    const thread = document.getElementById('thread');
    if (client && client.scroller() === thread) {
      thread.scrollTop += welcome.getBoundingClientRect().top - thread.getBoundingClientRect().top - 8;
    } else {
      window.scrollTo(0, 0);
    }
    welcome.focus({ preventScroll: true });
  };

  const setPresence = (online, text) => {
    presenceEl.textContent = text;
    presenceEl.classList.toggle('presence--online', Boolean(online));
  };
  const words = (online, expected) => expected
    || (online ? _('Your advocate is online now.') : _("Your advocate isn't online right now."));

  // Messages waiting unread: in the tab's title and on the Chat tab (app.js shows them).
  let unread = 0;
  const showUnread = (count) => {
    unread = count;
    if (window.AdvocacyApp) window.AdvocacyApp.showUnread(count);
  };

  // An interpreter asked into the chat, let in or out (here or by the advocate): the page shows it afresh.
  const note = document.getElementById('interpreter');
  const shownNote = note ? `${note.dataset.id}:${note.dataset.state}` : '';
  let listed = false;
  const checkInterpreter = async (conversation) => {
    try {
      const res = await fetch(`/api/conversations/${encodeURIComponent(conversation)}/interpreter`, { credentials: 'same-origin' });
      if (!res.ok) return;
      const body = await res.json();
      const now = body.interpreting ? `${body.interpreting.id}:${body.interpreting.state}` : '';
      if (now !== shownNote) window.location.reload();
    } catch (err) {
      // Offline for a moment: the next change of conversations checks again.
    }
  };

  let client = null;
  client = new ChatClient({
    me: box.dataset.me || document.body.dataset.userId,
    signInUrl: '/child/sign-in',
    preload: box.dataset.conversation || null,
    onConversations(list, chat) {
      const summary = list[0];
      showUnread(summary ? summary.unread || 0 : 0);
      if (!summary) {
        setPresence(false, _("We're finding an advocate for you. You'll be able to chat here soon."));
        chat.select(null);
        return;
      }
      const name = (summary.advocate_name || '').trim();
      nameEl.textContent = name || _('your advocate');
      initialEl.textContent = name ? name.charAt(0).toUpperCase() : '';
      setPresence(summary.advocate_online, words(summary.advocate_online, summary.reply_expected));
      if (listed) checkInterpreter(summary.id);
      listed = true;
      const conv = chat.conversations.get(summary.id);
      const first = !chat.active;
      chat.select(conv);
      // The welcome after choosing a PIN is read first: the messages are below it.
      if (first && welcome) conv.loadLatest().then(showWelcome);
    },
    onMessage(conv, msg) {
      if (!conv.isMine(msg)) showUnread(unread + 1);
    },
    onChange(conv, what) {
      if (what.read) showUnread(0);
    },
    onPresence(conv, data) {
      if (data.role === 'child' || conv !== client.active) return;
      setPresence(data.online, words(data.online, data.reply_expected));
    },
  });
  client.start();

  // "More": Sign out, and on a short screen the tabs; the newest messages stay in view as it opens and closes.
  const more = document.getElementById('chat-more-button');
  more.addEventListener('click', () => {
    more.setAttribute('aria-expanded', more.getAttribute('aria-expanded') === 'true' ? 'false' : 'true');
  });
  if (welcome && !box.dataset.conversation) showWelcome();
})();
