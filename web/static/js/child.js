// The child's chat page: one conversation, with their advocate.
(() => {
  'use strict';
  const { ChatClient } = window.AdvocacyChat;
  const nameEl = document.getElementById('advocate-name');
  const initialEl = document.getElementById('advocate-initial');
  const presenceEl = document.getElementById('presence');

  const setPresence = (online, text) => {
    presenceEl.textContent = text;
    presenceEl.classList.toggle('presence--online', Boolean(online));
  };

  const client = new ChatClient({
    me: document.getElementById('messages').dataset.me || document.body.dataset.userId,
    signInUrl: '/child/sign-in',
    onConversations(list, chat) {
      const summary = list[0];
      if (!summary) {
        setPresence(false, "We're finding an advocate for you. You'll be able to chat here soon.");
        chat.select(null);
        return;
      }
      const name = (summary.advocate_name || '').trim();
      nameEl.textContent = name || 'Your advocate';
      initialEl.textContent = name ? name.charAt(0).toUpperCase() : '';
      setPresence(summary.advocate_online, summary.reply_expected
        || (summary.advocate_online ? 'Your advocate is online now.' : "Your advocate isn't online right now."));
      chat.select(chat.conversations.get(summary.id));
    },
    onPresence(conv, data) {
      if (data.role === 'child' || conv !== client.active) return;
      setPresence(data.online, data.reply_expected
        || (data.online ? 'Your advocate is online now.' : "Your advocate isn't online right now."));
    },
  });
  client.start();
})();
