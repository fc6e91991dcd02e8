// The "Log a concern" form (templates/console/_log_concern.html), on the console and on the concerns page.
// The page says how to find a child's recent messages; ticking them links them to the concern and, until the
// advocate writes something of their own there, puts their words in "In the child's own words".
window.AdvocacyConcernForm = (() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const { make, jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/staff/sign-in');
  const when = (iso) => new Date(iso).toLocaleString('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  });

  // options: messagesOf(childId) -> Promise<[MESSAGE]> (the child's own, oldest first), onLogged(concern).
  const attach = (options) => {
    const details = $('log-concern');
    const form = $('log-form');
    const child = $('log-child');
    const words = $('log-words');
    const note = $('log-messages-note');
    const choices = $('message-choices');
    let filled = '';

    const ticked = () => Array.from(choices.querySelectorAll('input:checked'));

    const fillWords = () => {
      if (words.value.trim() && words.value !== filled) return; // the advocate wrote their own
      filled = ticked().map((box) => box.dataset.text).join('\n');
      words.value = filled;
    };

    const showMessages = async (preselect) => {
      choices.replaceChildren();
      if (filled && words.value === filled) words.value = ''; // filled in from another child's messages
      filled = '';
      if (!child.value) {
        note.textContent = 'Choose a child to see their recent messages.';
        return;
      }
      note.textContent = 'Loading their messages…';
      let messages = [];
      try {
        messages = (await options.messagesOf(child.value)) || [];
      } catch (e) {
        messages = [];
      }
      const recent = messages.slice(-12).reverse();
      note.textContent = recent.length ? "Tick the child's messages this is about (newest first):" : 'No messages from this child yet.';
      choices.replaceChildren(...recent.map((m) => {
        const li = make('li');
        const label = make('label');
        const box = make('input');
        box.type = 'checkbox';
        box.value = m.id;
        box.dataset.text = m.text;
        box.checked = Boolean(preselect && preselect.includes(m.id));
        box.addEventListener('change', fillWords);
        label.append(box, make('span', null, `${when(m.sent_at)}: ${m.text}`));
        li.append(label);
        return li;
      }));
      if (preselect) fillWords();
    };

    let opening = false; // open() lists the messages itself, with its own ticked
    details.addEventListener('toggle', () => {
      if (details.open && !opening) showMessages();
      opening = false;
    });
    child.addEventListener('change', () => showMessages());

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const error = $('log-error');
      const body = {
        child: child.value, category: $('log-category').value, severity: $('log-severity').value,
        child_words: words.value, child_wants: $('log-wants').value, messages: ticked().map((box) => box.value),
      };
      $('log-submit').disabled = true;
      let result = null;
      try {
        result = await api('POST', '/api/concerns', body);
      } catch (e) {
        error.textContent = "We couldn't reach the service. Check the connection and try again. Nothing was saved.";
      }
      $('log-submit').disabled = false;
      if (!result) return;
      const answer = result.answer || { ok: false, error: { message: 'Something went wrong. Please try again.' } };
      if (!answer.ok) {
        error.textContent = answer.error.message;
        words.focus();
        return;
      }
      error.textContent = '';
      const keep = child.value;
      form.reset();
      child.value = keep;
      filled = '';
      choices.replaceChildren();
      details.open = false;
      options.onLogged(answer.concern);
    });

    // Opens the form for a child (and, if given, with these messages ticked), ready to type.
    const open = async (childId, messageIds) => {
      if (childId) child.value = childId;
      opening = !details.open;
      details.open = true;
      await showMessages(messageIds);
      (choices.querySelector('input') || $('log-category')).focus();
    };

    return { open, refresh: () => (details.open ? showMessages() : null) };
  };

  return { attach };
})();
