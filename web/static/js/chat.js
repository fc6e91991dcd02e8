// The chat client shared by the child's page and the advocate console.
// Text from people only ever reaches the page through textContent.
(() => {
  'use strict';
  const ACK_MS = 10000;
  const TYPING_EVERY_MS = 3000;
  const TYPING_SHOWN_MS = 4000;
  const LOOK_BACK_MS = 2 * 60 * 1000;
  const NOT_SENT = 'Not sent – tap to try again';
  const OFFLINE = 'Not sent yet: we lost the connection. Check your internet, then tap the message to try again.';
  // Trying again cannot fix these: the text goes back into the box instead.
  const PUT_BACK = new Set(['text_missing', 'text_empty', 'text_too_long', 'bad_request']);
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
    if (days === 1) return `Yesterday ${clock}`;
    if (days < 7) return `${DAYS[d.getDay()]} ${clock}`;
    return `${d.getDate()} ${MONTHS[d.getMonth()]} ${clock}`;
  };

  let goingAway = false;
  const signOut = async (next) => {
    goingAway = true;
    try {
      await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' });
    } catch (e) { /* leave anyway */ }
    window.location.replace(next);
  };

  class Conversation {
    constructor(client, summary) {
      Object.assign(this, {
        client, summary, id: summary.id, byId: new Map(), pending: new Map(),
        loaded: false, loading: false, more: false, seenUpTo: null, readSent: null, typingName: null,
      });
      this.list = make('ol', 'message-list');
      this.list.dataset.conversation = summary.id;
      this.list.hidden = true;
      client.box.append(this.list);
      this.list.addEventListener('click', (event) => {
        const bubble = event.target.closest && event.target.closest('.msg--failed');
        if (bubble) this.deliver(bubble.dataset.clientId);
      });
    }

    stored() { return this.list.querySelectorAll('.msg[data-id]'); }
    get lastId() { const all = this.stored(); return all.length ? all[all.length - 1].dataset.id : null; }
    get firstId() { const el = this.list.querySelector('.msg[data-id]'); return el ? el.dataset.id : null; }
    isMine(msg) { return Boolean(msg.sender) && msg.sender.id === this.client.me; }

    bubble(mine, text, clientId, sentAt) {
      const li = make('li', `msg msg--${mine ? 'mine' : 'theirs'}`);
      li.dataset.clientId = clientId || '';
      const body = make('p', 'msg__text');
      body.append(make('span', 'visually-hidden msg__who', mine ? 'You: ' : ''), text);
      const time = make('time', 'msg__time', formatTime(sentAt));
      time.dateTime = sentAt;
      const meta = make('p', 'msg__meta');
      meta.append(time, make('span', 'msg__status'));
      li.append(body, meta);
      return li;
    }

    setStatus(li, text, retry) {
      const next = make(retry ? 'button' : 'span', retry ? 'msg__retry' : 'msg__status', text);
      if (retry) next.type = 'button';
      li.querySelector('.msg__status, .msg__retry').replaceWith(next);
    }

    // Shows a stored message once; the pending bubble with the same client_id becomes it.
    add(msg, older) {
      if (!msg || this.byId.has(msg.id)) return null;
      const mine = this.isMine(msg);
      const waiting = mine && this.pending.get(msg.client_id);
      const li = waiting ? waiting.el : this.bubble(mine, msg.text, msg.client_id, msg.sent_at);
      if (waiting) {
        this.pending.delete(msg.client_id);
        li.classList.remove('msg--pending', 'msg--failed');
        this.setStatus(li, '');
        const time = li.querySelector('time');
        time.dateTime = msg.sent_at;
        time.textContent = formatTime(msg.sent_at);
      } else if (!mine) {
        li.querySelector('.msg__who').textContent = `${(msg.sender && msg.sender.name) || 'They'}: `;
        this.hideTyping();
      }
      const all = this.stored();
      li.dataset.id = msg.id;
      this.byId.set(msg.id, li);
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

    async loadLatest() {
      if (this.loading) return;
      this.loading = true;
      const ack = await this.history({ limit: 50 });
      this.loading = false;
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
      const thread = this.client.thread;
      const height = thread.scrollHeight;
      this.addAll(ack.messages, true);
      if (this.client.active === this) thread.scrollTop += thread.scrollHeight - height;
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
      const stick = this.client.nearBottom() || this.isMine(msg);
      if (!this.add(msg, false)) return;
      this.applySeen();
      this.client.changed(this, { scroll: stick });
    }

    send(text) {
      const clientId = newClientId();
      const li = this.bubble(true, text, clientId, new Date().toISOString());
      this.pending.set(clientId, { el: li, text });
      this.list.append(li);
      this.client.changed(this, { scroll: true });
      this.deliver(clientId);
    }

    async deliver(clientId) {
      const item = this.pending.get(clientId);
      if (!item || item.sending) return;
      item.sending = true;
      item.el.classList.remove('msg--failed');
      item.el.classList.add('msg--pending');
      this.setStatus(item.el, 'Sending…');
      const ack = await this.client.call('send', { conversation: this.id, client_id: clientId, text: item.text });
      item.sending = false;
      if (ack.ok) {
        this.client.notice('');
        this.add(ack.message, false);
        this.applySeen();
        this.client.changed(this, { sent: true });
        return;
      }
      if (!this.pending.has(clientId)) return;
      if (PUT_BACK.has(ack.error.code)) {
        this.pending.delete(clientId);
        item.el.remove();
        this.client.putBack(item.text);
      } else {
        item.el.classList.replace('msg--pending', 'msg--failed');
        this.setStatus(item.el, NOT_SENT, true);
      }
      this.client.notice(ack.error.message, true);
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

    // "Seen" goes on my latest message at or before the other side's read pointer.
    applySeen() {
      const upTo = this.seenUpTo;
      if (!upTo) return;
      const target = this.byId.get(upTo);
      let seen = null;
      for (const li of this.stored()) {
        // Not loaded here: ids of equal length compare in the server's order (MongoDB ObjectIds).
        if (!target && !(li.dataset.id.length === upTo.length && li.dataset.id <= upTo)) break;
        if (li.classList.contains('msg--mine')) seen = li;
        if (li === target) break;
      }
      for (const li of this.list.querySelectorAll('.msg--seen')) {
        if (li !== seen) {
          li.classList.remove('msg--seen');
          this.setStatus(li, '');
        }
      }
      if (seen && !seen.classList.contains('msg--seen')) {
        seen.classList.add('msg--seen');
        this.setStatus(seen, 'Seen');
      }
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
      this.typingName = (user && user.name) || 'Someone';
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
    // options: me, signInUrl, onConversations(list, client), and optional
    // onMessage(conv, msg), onChange(conv, what), onPresence(conv, data).
    constructor(options) {
      Object.assign(this, {
        options, me: options.me, conversations: new Map(), active: null, lastTyping: 0,
        box: $('messages'), thread: $('thread'), status: $('chat-status'), typingLine: $('typing'),
        olderButton: $('load-older'), emptyNote: $('empty-note'), input: $('message-input'),
        sendButton: $('send-button'), form: $('composer'),
      });
      this.wire();
    }

    start() {
      if (typeof window.io !== 'function') {
        this.notice('The chat could not load. Please reload the page.', true);
        return;
      }
      this.notice('Connecting…');
      const socket = window.io('/chat', { transports: ['websocket'] });
      this.socket = socket;
      const conv = (data) => data && this.conversations.get(data.conversation);
      socket.on('connect', () => this.connected());
      socket.on('disconnect', () => this.notice('Connection lost. Trying to reconnect…'));
      socket.on('connect_error', (err) => {
        const data = (err && err.data) || {};
        if (data.code === 'unauthorised' || data.code === 'session_expired') this.leave(data.code === 'session_expired');
        else if (data.code) this.notice(data.message || 'We could not connect. Please reload the page.', true);
        else this.notice("You're offline right now. We'll keep trying to connect.");
      });
      socket.on('signed_out', () => this.leave(true));
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
      if (goingAway || document.documentElement.classList.contains('leaving')) return;
      window.location.replace(this.options.signInUrl + (expired ? '?signed-out' : ''));
    }

    async connected() {
      this.notice('');
      const ack = await this.call('conversations', {});
      if (!ack.ok) {
        this.notice(ack.error.message, true);
        return;
      }
      for (const summary of ack.conversations) {
        const known = this.conversations.get(summary.id);
        if (known) known.summary = summary;
        else this.conversations.set(summary.id, new Conversation(this, summary));
      }
      this.options.onConversations(ack.conversations, this);
      for (const c of this.conversations.values()) {
        if (c.loaded) c.catchUp();
        for (const [clientId, item] of c.pending) {
          if (!item.sending && item.el.classList.contains('msg--pending')) c.deliver(clientId);
        }
      }
    }

    call(event, payload) {
      return new Promise((resolve) => {
        this.socket.timeout(ACK_MS).emit(event, payload, (err, ack) => {
          if (err) resolve({ ok: false, error: { code: 'timeout', message: OFFLINE } });
          else if (ack && typeof ack === 'object') resolve(ack);
          else resolve({ ok: false, error: { code: 'internal_error', message: 'Something went wrong on our side. Please try again.' } });
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
        this.refresh();
        return;
      }
      conv.list.hidden = false;
      if (conv.loaded) this.changed(conv, { scroll: true });
      else conv.loadLatest();
    }

    changed(conv, what) {
      if (conv === this.active) {
        this.refresh();
        if (what.scroll) {
          this.thread.scrollTop = this.thread.scrollHeight;
          conv.markRead();
        }
      }
      if (this.options.onChange) this.options.onChange(conv, what);
    }

    refresh() {
      const c = this.active;
      this.olderButton.hidden = !(c && c.loaded && c.more);
      this.emptyNote.hidden = !(c && c.loaded && !c.list.firstChild);
      this.typingLine.textContent = c && c.typingName ? `${c.typingName} is typing…` : '';
    }

    nearBottom() {
      const t = this.thread;
      return t.scrollHeight - t.scrollTop - t.clientHeight < 80;
    }

    notice(text, isError) {
      const stick = this.nearBottom();
      this.status.textContent = text || '';
      this.status.classList.toggle('chat-status--error', Boolean(isError));
      if (stick) this.thread.scrollTop = this.thread.scrollHeight;
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
      this.thread.addEventListener('scroll', () => {
        if (this.thread.scrollTop < 40 && this.active && this.active.loaded) this.active.loadOlder();
      }, { passive: true });
      const out = $('sign-out');
      if (out) out.addEventListener('click', () => signOut(out.dataset.next));
    }
  }

  window.AdvocacyChat = { ChatClient, formatTime, make };
})();
