// The interpreter's page: the chats a young person has let them into, the messages from when they joined,
// and a message of theirs marked as interpretation of the one they chose. Text is inserted with textContent.
(() => {
  const $ = (id) => document.getElementById(id);
  const make = (tag, cls, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const status = $('interpreting-status');
  const list = $('interpreting-chats');
  const chat = $('interpreting-chat');
  const messages = $('interpreting-messages');
  const form = $('interpreting-form');
  const text = $('interpreting-text');
  const ofText = $('interpreting-of-text');
  let active = null;
  let chosen = null;
  let sent = 0;
  if (typeof window.io !== 'function') {
    status.textContent = 'The page could not load. Please reload it.';
    return;
  }
  const socket = window.io('/chat', { transports: ['websocket'] });
  const call = (event, data) => new Promise((resolve) => socket.emit(event, data, resolve));

  const show = (msg) => {
    const li = make('li', `interpreting__message interpreting__message--${msg.sender.role}`);
    li.id = `m-${msg.id}`;
    li.append(make('p', 'interpreting__who', msg.interpretation ? `${msg.sender.name} (interpretation)` : msg.sender.name));
    const body = make('p', 'interpreting__text', msg.text);
    body.dir = 'auto';
    li.append(body);
    if (msg.interprets) {
      const original = document.getElementById(`m-${msg.interprets}`);
      if (original) {
        original.classList.add('interpreting__message--paired');
        original.append(li);
        return;
      }
    }
    if (!msg.interpretation) {
      const pick = make('button', 'button button--quiet', 'Interpret this');
      pick.type = 'button';
      pick.addEventListener('click', () => {
        chosen = msg.id;
        ofText.textContent = msg.text;
        text.focus();
      });
      li.append(pick);
    }
    messages.append(li);
  };

  const open = async (conv) => {
    active = conv.id;
    chosen = null;
    ofText.textContent = 'nothing chosen (a message of your own)';
    $('interpreting-with').textContent = `Chat with ${conv.child_name} and ${conv.advocate_name}`;
    messages.replaceChildren();
    chat.hidden = false;
    const answer = await call('history', { conversation: conv.id, limit: 100 });
    if (answer.ok) answer.messages.forEach(show);
  };

  const load = async () => {
    const answer = await call('conversations', {});
    list.replaceChildren();
    if (!answer.ok) {
      status.textContent = answer.error.message;
      return;
    }
    const chats = answer.conversations;
    status.textContent = chats.length ? '' : 'No young person has let you into a chat right now.';
    chats.forEach((conv) => {
      const button = make('button', 'button', `${conv.child_name} with ${conv.advocate_name}`);
      button.type = 'button';
      button.addEventListener('click', () => open(conv));
      const li = make('li');
      li.append(button);
      list.append(li);
    });
    if (active && !chats.some((c) => c.id === active)) {
      chat.hidden = true;
      active = null;
    }
  };

  socket.on('connect', load);
  socket.on('conversations.changed', load);
  socket.on('disconnect', () => {
    status.textContent = 'Your time in this chat is over (or the connection was lost). Reload the page to see chats you are in now.';
    chat.hidden = true;
    active = null;
  });
  socket.on('connect_error', (err) => {
    const data = (err && err.data) || {};
    if (data.code === 'unauthorised' || data.code === 'session_expired') window.location.replace('/staff/sign-in');
    else status.textContent = data.message || 'We could not connect. Please reload the page.';
  });
  socket.on('message', (msg) => {
    if (msg.conversation === active) show(msg);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!active || !text.value.trim()) return;
    sent += 1;
    const data = { conversation: active, client_id: `int-${Date.now()}-${sent}`, text: text.value,
      language: $('interpreting-language').value };
    if (chosen) data.interprets = chosen;
    const answer = await call('send', data);
    if (answer.ok) {
      show(answer.message);
      text.value = '';
      chosen = null;
      ofText.textContent = 'nothing chosen (a message of your own)';
    } else {
      status.textContent = answer.error.message;
    }
  });
})();
