// On every child page: the app (its service worker, advocacy.edge.push_views), the count of unread messages
// in the tab's title and on the Chat tab, and on the settings page the switch for notifications.
(() => {
  'use strict';
  const body = document.body;
  const signedIn = body.dataset.userRole === 'child';
  const onChat = body.dataset.page === 'child-chat';
  const title = document.title;
  const badge = document.getElementById('unread-count');
  const leaving = () => document.documentElement.classList.contains('leaving');

  // The title says "(2) Chat" and the Chat tab shows 2 while two messages wait unread.
  const showUnread = (count) => {
    const n = Math.max(0, Math.floor(Number(count) || 0));
    document.title = n > 0 ? '(' + n + ') ' + title : title;
    if (!badge) return;
    badge.hidden = n === 0;
    badge.textContent = '';
    if (n === 0) return;
    const number = document.createElement('span');
    number.setAttribute('aria-hidden', 'true');
    number.textContent = String(n);
    const words = document.createElement('span');
    words.className = 'visually-hidden';
    words.textContent = ' (' + _('New messages: {count}', { count: n }) + ')';
    badge.append(number, words);
  };

  const api = async (method, url, data) => {
    const options = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (data !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(data);
    }
    const response = await fetch(url, options);
    const answer = await response.json();
    if (!response.ok || !answer.ok) throw new Error((answer.error && answer.error.code) || String(response.status));
    return answer;
  };

  // Away from the chat page the count is asked for: at once, when the page is seen again, when a notification
  // arrives, and every minute while the page is in view. The chat page counts as messages come (child.js).
  let asking = false;
  const refresh = async () => {
    if (!signedIn || onChat || asking || leaving() || document.visibilityState !== 'visible') return;
    asking = true;
    try {
      showUnread((await api('GET', '/api/chat/unread')).unread);
    } catch (e) { /* the count waits for the next try */ }
    asking = false;
  };
  if (signedIn && !onChat) {
    refresh();
    document.addEventListener('visibilitychange', refresh);
    setInterval(refresh, 60000);
  }

  const worker = body.dataset.worker;
  const registered = signedIn && worker && 'serviceWorker' in navigator && !leaving()
    ? navigator.serviceWorker.register(worker, { scope: '/child' }).catch(() => null)
    : Promise.resolve(null);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'new-message') refresh();
    });
  }

  // The settings page: "You have a new message" on this phone, switched on or off by the child.
  const state = document.getElementById('push-state');
  const on = document.getElementById('push-on');
  const off = document.getElementById('push-off');
  const applicationKey = (text) => {
    const plain = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(plain, (c) => c.charCodeAt(0));
  };
  const setUpSwitch = async () => {
    const registration = await registered;
    if (!registration || !registration.pushManager || !('Notification' in window)) return;
    const say = (text) => { state.textContent = text; };
    const show = (isOn) => {
      on.hidden = isOn;
      off.hidden = !isOn;
      say(isOn ? _('Notifications are on for this phone.') : _('Notifications are off for this phone.'));
    };
    let known = null;
    try {
      known = await api('GET', '/api/push');
    } catch (e) {
      say(_("We couldn't check your notifications. Please try again later."));
      return;
    }
    let current = await registration.pushManager.getSubscription();
    if (current && known.devices === 0) {
      // Switched on under a sign-in that has ended: off, until the child switches it on again.
      await current.unsubscribe().catch(() => {});
      current = null;
    }
    show(Boolean(current));
    on.addEventListener('click', async () => {
      on.disabled = true;
      try {
        if (await Notification.requestPermission() !== 'granted') {
          say(_("Notifications are blocked for this site. You can allow them in your browser's settings."));
          return;
        }
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: applicationKey(known.public_key) });
        try {
          await api('PUT', '/api/push/subscription', subscription.toJSON());
        } catch (e) {
          await subscription.unsubscribe().catch(() => {});
          throw e;
        }
        show(true);
        off.focus();
      } catch (e) {
        say(_("We couldn't turn on notifications. Please try again later."));
      } finally {
        on.disabled = false;
      }
    });
    off.addEventListener('click', async () => {
      off.disabled = true;
      const subscription = await registration.pushManager.getSubscription().catch(() => null);
      if (subscription) {
        const { endpoint } = subscription;
        await subscription.unsubscribe().catch(() => {});
        await api('DELETE', '/api/push/subscription', { endpoint }).catch(() => {});
      }
      off.disabled = false;
      show(false);
      on.focus();
    });
  };
  if (state && on && off && signedIn) setUpSwitch();

  window.AdvocacyApp = { showUnread };
})();
