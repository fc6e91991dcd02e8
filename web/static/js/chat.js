// The chat client shared by the child's page and the advocate console.
// Text from people only ever reaches the page through textContent.
(() => {
  'use strict';
  const ACK_MS = 10000;
  const TYPING_EVERY_MS = 3000;
  const TYPING_SHOWN_MS = 4000;
  const LOOK_BACK_MS = 2 * 60 * 1000;
  const OFFLINE = _("Not sent yet: we lost the connection. We'll send it when you're back online, or tap Try again.");
  // Trying again cannot fix these: the text goes back into the box instead.
  const PUT_BACK = new Set(['text_missing', 'text_empty', 'text_too_long', 'bad_request']);
  // Lost in the connection, not refused: sent again by itself once the connection is back.
  const CONNECTION = new Set(['timeout', 'disconnected']);
  // Each state of my message: a mark and words (the words are what screen readers hear, and what shows on the newest).
  const STATES = {
    sending: ['', _('Sending…')],
    delivered: ['✓', _('Delivered')],
    seen: ['✓✓', _('Seen')],
    failed: ['⚠', _('Not sent')],
  };
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const $ = (id) => document.getElementById(id);

  const make = (tag, className, text) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  };

  const newClientId = () => {
    const c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    const bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else bytes.forEach((_, i) => { bytes[i] = Math.floor(Math.random() * 256); });
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  };

  const pad = (n) => String(n).padStart(2, '0');
  const dayStart = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const formatTime = (iso) => {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '';
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const days = Math.round((dayStart(new Date()) - dayStart(d)) / 864e5);
    if (days <= 0) return clock;
    if (days === 1) return _('Yesterday {time}', { time: clock });
    if (days < 7) return `${DAYS[d.getDay()]} ${clock}`;
    return `${d.getDate()} ${MONTHS[d.getMonth()]} ${clock}`;
  };

  class Conversation {
    constructor(client, summary) {
      Object.assign(this, {
        client, summary, id: summary.id, byId: new Map(), data: new Map(), pending: new Map(), early: null,
        loaded: false, loading: false, more: false, seenUpTo: null, readSent: null, typingName: null,
      });
      this.list = make('ol', 'message-list');
      this.list.dataset.conversation = summary.id;
      this.list.hidden = true;
      client.box.append(this.list);
      this.list.addEventListener('click', (event) => {
        const target = event.target.closest && event.target.closest('.msg--failed');
        if (target) this.deliver(target.dataset.clientId);
      });
    }

    stored() { return this.list.querySelectorAll('.msg[data-id]'); }
    get lastId() { const all = this.stored(); return all.length ? all[all.length - 1].dataset.id : null; }
    get firstId() { const el = this.list.querySelector('.msg[data-id]'); return el ? el.dataset.id : null; }
    isMine(msg) { return Boolean(msg.sender) && msg.sender.id === this.client.me; }
    // The loaded messages sent by someone in this role, oldest first.
    messagesFrom(role) {
      return Array.from(this.stored(), (li) => this.data.get(li.dataset.id)).filter((m) => m && m.sender && m.sender.role === role);
    }

    // Staff only: a message safeguarding flagged says so beside it (history carries "flagged"; a live flag
    // arrives as a console alert, see console.js).
    static markFlagged(li) {
      if (li.classList.contains('msg--flagged')) return;
      li.classList.add('msg--flagged');
      li.querySelector('.msg__meta').prepend(make('span', 'msg__flag', 'Flagged for safeguarding'));
    }

    bubble(msg, mine) {
      const li = make('li', mine ? 'msg msg--mine' : `msg msg--theirs msg--${(msg.sender && msg.sender.role) || 'someone'}`);
      li.dataset.clientId = msg.client_id || '';
      const who = mine ? _('You') : (msg.sender && msg.sender.name) || _('They');
      const body = make('p', 'msg__text');
      // Each message's own direction: Arabic or Farsi words read right to left on an English console too.
      const words = make('span', 'msg__words', msg.text);
      words.dir = 'auto';
      body.append(make('span', 'visually-hidden msg__who', `${who}: `), words);
      // A message from the service or a bot is labelled as automatic on both sides, never taken for a person's.
      const role = msg.sender && msg.sender.role;
      if (!mine && (role === 'service' || role === 'bot')) {
        li.append(make('p', 'msg__from', role === 'service' ? _('Automatic message') : _('Automatic message from {name}', { name: who })));
      }
      // An interpreter's message is marked as interpretation, on both sides.
      if (!mine && role === 'interpreter') li.append(make('p', 'msg__from', _('Interpreter: {name}', { name: who })));
      // An interpretation sits beside the message it interprets (when that message is on the page).
      if (msg.interprets) {
        const original = this.data && this.data.get(msg.interprets);
        if (original) {
          li.classList.add('msg--interpretation');
          const quote = make('p', 'msg__interprets', _('Interprets: {text}', { text: original.text }));
          quote.dir = 'auto';
          li.append(quote);
        }
      }
      const time = make('time', 'msg__time', formatTime(msg.sent_at));
      time.dateTime = msg.sent_at;
      const meta = make('p', 'msg__meta');
      meta.append(time);
      li.append(body, meta);
      if (msg.flagged) Conversation.markFlagged(li);
      if (mine) {
        const status = make('span', 'msg__status');
        status.append(make('span', 'msg__tick'), make('span', 'msg__state'));
        status.firstChild.setAttribute('aria-hidden', 'true');
        meta.append(status);
      }
      return li;
    }

    setState(li, state) {
      const [tick, words] = STATES[state];
      li.classList.toggle('msg--pending', state === 'sending');
      li.classList.toggle('msg--failed', state === 'failed');
      li.classList.toggle('msg--seen', state === 'seen');
      li.dataset.state = state;
      li.querySelector('.msg__tick').textContent = tick;
      li.querySelector('.msg__state').textContent = words;
      const retry = li.querySelector('.msg__retry');
      if (state === 'failed' && !retry) {
        const button = make('button', 'msg__retry', _('Try again'));
        button.type = 'button';
        li.append(button);
      } else if (state !== 'failed' && retry) {
        retry.remove();
      }
    }

    // The newest of my messages shows its state in words.
    markNewest() {
      const mine = this.list.querySelectorAll('.msg--mine');
      const newest = mine[mine.length - 1];
      for (const li of this.list.querySelectorAll('.msg--newest')) if (li !== newest) li.classList.remove('msg--newest');
      if (newest) newest.classList.add('msg--newest');
    }

    // Shows a stored message once; the pending bubble with the same client_id becomes it.
    add(msg, older) {
      if (!msg || this.byId.has(msg.id)) return null;
      const mine = this.isMine(msg);
      const waiting = mine && this.pending.get(msg.client_id);
      const li = waiting ? waiting.el : this.bubble(msg, mine);
      if (waiting) {
        this.pending.delete(msg.client_id);
        const time = li.querySelector('time');
        time.dateTime = msg.sent_at;
        time.textContent = formatTime(msg.sent_at);
      } else if (!mine) {
        this.hideTyping();
      }
      if (mine) this.setState(li, 'delivered');
      const all = this.stored();
      li.dataset.id = msg.id;
      this.byId.set(msg.id, li);
      this.data.set(msg.id, msg);
      // Stored messages keep the server's order; unsent ones stay below them.
      const last = all[all.length - 1];
      if (older) this.list.prepend(li);
      else this.list.insertBefore(li, last ? last.nextSibling : this.list.firstChild);
      return li;
    }

    addAll(messages, older) {
      (older ? messages.slice().reverse() : messages).forEach((m) => this.add(m, older));
      this.applySeen();
    }

    async history(params) {
      const ack = await this.client.call('history', Object.assign({ conversation: this.id }, params));
      if (ack.ok) return ack;
      this.client.notice(ack.error.message, true);
      return null;
    }

    // early: a history answer already asked for (the page named this conversation before it connected).
    // Asked again while loading, it answers when that load is done.
    loadLatest(early) {
      if (!this.latest) this.latest = this.fetchLatest(early).finally(() => { this.latest = null; });
      return this.latest;
    }

    async fetchLatest(early) {
      this.loading = true;
      this.client.busy(this, true);
      const ack = early ? await early.then((a) => (a.ok ? a : this.history({ limit: 50 }))) : await this.history({ limit: 50 });
      this.loading = false;
      this.client.busy(this, false);
      if (!ack) return;
      this.loaded = true;
      this.more = ack.more;
      this.addAll(ack.messages, false);
      this.client.changed(this, { scroll: true });
    }

    async loadOlder() {
      const before = this.firstId;
      if (!this.more || this.loading || !before) return;
      this.loading = true;
      const ack = await this.history({ before, limit: 50 });
      this.loading = false;
      if (!ack) return;
      this.more = ack.more;
      const scroller = this.client.scroller();
      const height = scroller.scrollHeight;
      this.addAll(ack.messages, true);
      if (this.client.active === this) scroller.scrollTop += scroller.scrollHeight - height;
      this.client.changed(this, {});
    }

    // Where to catch up from: a message a couple of minutes older than the newest we have, because
    // with several server processes, messages stored at the same moment may be numbered out of order.
    resyncAnchor() {
      const all = Array.from(this.stored());
      if (!all.length) return null;
      const sentAt = (li) => Date.parse(li.querySelector('time').dateTime);
      const newest = sentAt(all[all.length - 1]);
      for (let i = all.length - 1; i >= 0; i -= 1) {
        if (newest - sentAt(all[i]) >= LOOK_BACK_MS) return all[i].dataset.id;
      }
      return all[0].dataset.id;
    }

    // After a reconnection: everything after the anchor (what we already have is skipped by id).
    async catchUp() {
      let after = this.resyncAnchor();
      if (!after) {
        this.loaded = false;
        return this.loadLatest();
      }
      for (let round = 0; round < 20; round += 1) {
        const ack = await this.history({ after, limit: 200 });
        if (!ack || !ack.messages.length) break;
        const stick = this.client.nearBottom();
        this.addAll(ack.messages, false);
        this.client.changed(this, { scroll: stick });
        if (!ack.more) break;
        after = ack.messages[ack.messages.length - 1].id;
      }
      return this.markRead();
    }

    receive(msg) {
      const mine = this.isMine(msg);
      const stick = this.client.nearBottom() || mine;
      if (!this.add(msg, false)) return;
      this.applySeen();
      this.client.changed(this, { scroll: stick });
      if (!mine && this.client.active === this) this.client.announce(`${(msg.sender && msg.sender.name) || _('They')}: ${msg.text}`);
    }

    send(text) {
      const clientId = newClientId();
      const li = this.bubble({ client_id: clientId, text, sent_at: new Date().toISOString() }, true);
      this.pending.set(clientId, { el: li, text });
      this.setState(li, 'sending');
      this.list.append(li);
      this.client.changed(this, { scroll: true });
      this.deliver(clientId);
    }

    // Sends (or sends again) a message that is not stored yet, always with its first client_id,
    // so however many times it goes, the server keeps it once.
    async deliver(clientId) {
      const item = this.pending.get(clientId);
      if (!item || item.sending) return;
      item.sending = true;
      this.setState(item.el, 'sending');
      const ack = await this.client.call('send', { conversation: this.id, client_id: clientId, text: item.text });
      item.sending = false;
      if (ack.ok) {
        this.client.notice('');
        this.add(ack.message, false);
        this.applySeen();
        this.client.changed(this, { sent: true });
        return;
      }
      if (!this.pending.has(clientId)) return; // stored meanwhile (it came back in the history after reconnecting)
      if (PUT_BACK.has(ack.error.code)) {
        this.pending.delete(clientId);
        item.el.remove();
        this.client.putBack(item.text);
        this.markNewest();
      } else {
        item.retryWhenBack = CONNECTION.has(ack.error.code);
        this.setState(item.el, 'failed');
      }
      this.client.notice(ack.error.message, true);
    }

    resendWaiting() {
      for (const [clientId, item] of this.pending) {
        if (!item.sending && (item.retryWhenBack || item.el.dataset.state === 'sending')) {
          item.retryWhenBack = false;
          this.deliver(clientId);
        }
      }
    }

    async markRead() {
      const last = this.lastId;
      if (this.client.active !== this || document.visibilityState !== 'visible' || !last || last === this.readSent) return;
      this.readSent = last;
      const ack = await this.client.call('read', { conversation: this.id, up_to: last });
      if (!ack.ok) {
        if (this.readSent === last) this.readSent = null;
        return;
      }
      this.summary.unread = 0;
      this.client.changed(this, { read: true });
    }

    // Every message of mine up to the other side's read pointer is "Seen"; later ones are "Delivered".
    applySeen() {
      const upTo = this.seenUpTo;
      const all = Array.from(this.stored());
      const target = upTo ? this.byId.get(upTo) : null;
      const last = target ? all.indexOf(target) : -1;
      all.forEach((li, i) => {
        if (!li.classList.contains('msg--mine')) return;
        // Not loaded here: ids of equal length compare in the server's order (MongoDB ObjectIds).
        const seen = target ? i <= last : Boolean(upTo) && li.dataset.id.length === upTo.length && li.dataset.id <= upTo;
        this.setState(li, seen ? 'seen' : 'delivered');
      });
      this.markNewest();
    }

    onRead(data) {
      if (data.reader && data.reader.id !== this.client.me) {
        this.seenUpTo = data.up_to;
        this.applySeen();
        return;
      }
      this.summary.unread = 0; // read in another tab
      this.readSent = data.up_to;
      this.client.changed(this, { read: true });
    }

    showTyping(user) {
      this.typingName = (user && user.name) || _('Someone');
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_SHOWN_MS);
      this.client.changed(this, {});
    }

    hideTyping() {
      clearTimeout(this.typingTimer);
      if (this.typingName === null) return;
      this.typingName = null;
      this.client.changed(this, {});
    }
  }

  class ChatClient {
    // options: me, signInUrl, onConversations(list, client), and optional preload (a conversation id to
    // load at once), onMessage(conv, msg), onChange(conv, what), onPresence(conv, data), and
    // onGone(conv) when a conversation is no longer theirs to see.
    constructor(options) {
      Object.assign(this, {
        options, me: options.me, conversations: new Map(), active: null, lastTyping: 0,
        box: $('messages'), thread: $('thread'), status: $('chat-status'), typingLine: $('typing'),
        olderButton: $('load-older'), emptyNote: $('empty-note'), input: $('message-input'),
        sendButton: $('send-button'), form: $('composer'), live: $('chat-live'),
      });
      this.wire();
    }

    start() {
      if (typeof window.io !== 'function') {
        this.notice(_('The chat could not load. Please reload the page.'), true);
        return;
      }
      this.notice(_('Connecting…'));
      const socket = window.io('/chat', { transports: ['websocket'] });
      this.socket = socket;
      const conv = (data) => data && this.conversations.get(data.conversation);
      socket.on('connect', () => this.connected());
      socket.on('disconnect', () => this.notice(_("Connection lost. We're trying to reconnect…")));
      socket.on('connect_error', (err) => {
        const data = (err && err.data) || {};
        if (data.code === 'unauthorised' || data.code === 'session_expired') this.leave(data.code === 'session_expired');
        else if (data.code) this.notice(data.message || _('We could not connect. Please reload the page.'), true);
        else this.notice(_("You're offline right now. We'll keep trying to connect."));
      });
      socket.on('signed_out', () => this.leave(true));
      // A new advocate, cover that began or ended: the server has moved this socket already.
      socket.on('conversations.changed', () => this.connected());
      socket.on('message', (msg) => {
        const c = conv(msg);
        if (!c) return;
        if (c.loaded) c.receive(msg);
        if (this.options.onMessage) this.options.onMessage(c, msg);
        c.markRead();
      });
      socket.on('read', (data) => { const c = conv(data); if (c) c.onRead(data); });
      socket.on('typing', (data) => {
        const c = conv(data);
        if (c && data.user && data.user.id !== this.me) c.showTyping(data.user);
      });
      socket.on('presence', (data) => {
        const c = conv(data);
        if (c && data.user !== this.me && this.options.onPresence) this.options.onPresence(c, data);
      });
      document.addEventListener('visibilitychange', () => this.active && this.active.markRead());
    }

    leave(expired) {
      // A quick exit or a sign-out is already taking this page away.
      if (document.documentElement.classList.contains('leaving')) return;
      window.location.replace(this.options.signInUrl + (expired ? '?signed-out' : ''));
    }

    async connected() {
      this.notice('');
      const preload = this.options.preload;
      const early = preload && !this.conversations.has(preload) ? this.call('history', { conversation: preload, limit: 50 }) : null;
      const ack = await this.call('conversations', {});
      if (!ack.ok) {
        this.notice(ack.error.message, true);
        return;
      }
      const now = new Set(ack.conversations.map((summary) => summary.id));
      for (const [id, gone] of this.conversations) {
        if (now.has(id)) continue;
        // No longer theirs to see (the child has another advocate, a cover has ended).
        this.conversations.delete(id);
        if (this.active === gone) this.select(null);
        gone.list.remove();
        if (this.options.onGone) this.options.onGone(gone);
      }
      for (const summary of ack.conversations) {
        const known = this.conversations.get(summary.id);
        if (known) known.summary = summary;
        else this.conversations.set(summary.id, new Conversation(this, summary));
        const c = this.conversations.get(summary.id);
        if (summary.seen_up_to && !(c.seenUpTo && c.seenUpTo >= summary.seen_up_to)) c.seenUpTo = summary.seen_up_to;
      }
      if (early && this.conversations.has(preload)) this.conversations.get(preload).early = early;
      this.options.onConversations(ack.conversations, this);
      for (const c of this.conversations.values()) {
        if (c.loaded) c.catchUp();
        c.resendWaiting();
      }
    }

    call(event, payload) {
      return new Promise((resolve) => {
        if (!this.socket.connected && event === 'send') {
          resolve({ ok: false, error: { code: 'disconnected', message: OFFLINE } });
          return;
        }
        this.socket.timeout(ACK_MS).emit(event, payload, (err, ack) => {
          if (err) resolve({ ok: false, error: { code: 'timeout', message: OFFLINE } });
          else if (ack && typeof ack === 'object') resolve(ack);
          else resolve({ ok: false, error: { code: 'internal_error', message: _('Something went wrong on our side. Please try again.') } });
        });
      });
    }

    select(conv) {
      if (this.active === conv) return;
      if (this.active) this.active.list.hidden = true;
      this.active = conv;
      this.input.disabled = !conv;
      this.sendButton.disabled = !conv;
      if (!conv) {
        this.busy(null, false);
        this.refresh();
        return;
      }
      conv.list.hidden = false;
      if (conv.loaded) this.changed(conv, { scroll: true });
      else conv.loadLatest(conv.early);
      conv.early = null;
    }

    busy(conv, loading) {
      if (conv === null || conv === this.active) this.thread.setAttribute('aria-busy', loading ? 'true' : 'false');
    }

    changed(conv, what) {
      if (conv === this.active) {
        this.refresh();
        if (what.scroll) {
          this.scrollToEnd();
          conv.markRead();
        }
      }
      if (this.options.onChange) this.options.onChange(conv, what);
    }

    refresh() {
      const c = this.active;
      this.olderButton.hidden = !(c && c.loaded && c.more);
      this.emptyNote.hidden = !(c && c.loaded && !c.list.firstChild);
      this.typingLine.textContent = c && c.typingName ? _('{name} is typing…', { name: c.typingName }) : '';
    }

    // The messages scroll inside the thread when the layout gives it a height, and with the page otherwise
    // (large text on a small screen).
    scroller() {
      const style = window.getComputedStyle(this.thread);
      return style.overflowY === 'auto' || style.overflowY === 'scroll' ? this.thread : document.scrollingElement;
    }

    scrollToEnd() {
      const s = this.scroller();
      if (s === this.thread) s.scrollTop = s.scrollHeight;
      else this.form.scrollIntoView({ block: 'end' });
    }

    nearBottom() {
      const s = this.scroller();
      if (s === this.thread) return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
      return this.form.getBoundingClientRect().bottom - window.innerHeight < 80;
    }

    notice(text, isError) {
      const stick = this.nearBottom();
      this.status.textContent = text || '';
      this.status.classList.toggle('chat-status--error', Boolean(isError));
      if (stick) this.scrollToEnd();
    }

    // Read out by screen readers (new messages as they come in), without moving anyone's focus.
    announce(text) {
      if (!this.live) return;
      this.live.textContent = '';
      setTimeout(() => { this.live.textContent = text; }, 50);
    }

    putBack(text) {
      if (this.input.value) return;
      this.input.value = text;
      this.autosize();
    }

    autosize() {
      // Setting CSSOM properties is allowed by the Content-Security-Policy; style attributes are not.
      this.input.style.height = 'auto';
      this.input.style.height = `${Math.min(this.input.scrollHeight + 4, 160)}px`;
    }

    wire() {
      const { form, input } = this;
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const text = input.value;
        if (this.active && text.trim()) {
          input.value = '';
          this.autosize();
          this.lastTyping = 0;
          this.active.send(text);
        }
        input.focus();
      });
      input.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
        event.preventDefault();
        form.requestSubmit();
      });
      input.addEventListener('input', () => {
        this.autosize();
        const now = Date.now();
        if (!this.active || !input.value.trim() || !this.socket || !this.socket.connected) return;
        if (now - this.lastTyping < TYPING_EVERY_MS) return;
        this.lastTyping = now;
        this.call('typing', { conversation: this.active.id });
      });
      this.olderButton.addEventListener('click', () => this.active && this.active.loadOlder());
      const nearTop = () => {
        if (!this.active || !this.active.loaded) return;
        const s = this.scroller();
        const top = s === this.thread ? s.scrollTop : this.thread.getBoundingClientRect().top;
        if (s === this.thread ? top < 40 : top > -40) this.active.loadOlder();
      };
      this.thread.addEventListener('scroll', nearTop, { passive: true });
      window.addEventListener('scroll', nearTop, { passive: true });
      // When the screen gets shorter (a phone's keyboard opening), a reader at the newest message stays there.
      let atEnd = true;
      const whereReader = () => { atEnd = this.nearBottom(); };
      this.thread.addEventListener('scroll', whereReader, { passive: true });
      window.addEventListener('scroll', whereReader, { passive: true });
      if (window.ResizeObserver) {
        new ResizeObserver(() => { if (atEnd) this.scrollToEnd(); }).observe(this.thread);
      }
    }
  }

  window.AdvocacyChat = { ChatClient, Conversation, formatTime, make };
})();
