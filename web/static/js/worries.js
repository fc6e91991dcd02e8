// A child's worries: "My worries" (/child/worries) and "I'm worried about something" (/child/worries/new).
// Everything a person wrote reaches the page through textContent only.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);

  const { make, jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/child/sign-in');

  // My worries ----------------------------------------------------------------

  const renderWorry = (worry) => {
    const li = make('li', 'worry');
    li.dataset.worry = worry.id;
    li.append(make('h2', null, worry.topic));
    li.append(make('p', 'worry__status', worry.status_words));
    li.append(make('p', 'worry__next', worry.next));
    li.append(make('p', 'worry__label', _('What you said')));
    li.append(make('blockquote', 'worry__quote', worry.your_words));
    if (worry.you_want) {
      li.append(make('p', 'worry__label', _('What you want to happen')));
      li.append(make('blockquote', 'worry__quote', worry.you_want));
    }
    const details = make('details');
    details.append(make('summary', null, _('What has happened so far')));
    const history = make('ol', 'worry__history');
    for (const line of worry.history || []) history.append(make('li', null, `${line.on}: ${line.what}`));
    details.append(history);
    li.append(details);
    return li;
  };

  const showWorries = async () => {
    const list = $('worries');
    const status = $('worries-status');
    let result;
    try {
      result = await api('GET', '/api/concerns');
    } catch (e) {
      status.textContent = _("We couldn't load your worries. Check your internet connection and try again.");
      return;
    }
    if (!result) return;
    if (!result.answer || !result.answer.ok) {
      status.textContent = (result.answer && result.answer.error && result.answer.error.message)
        || _("We couldn't load your worries. Please try again.");
      return;
    }
    const worries = result.answer.concerns;
    list.replaceChildren(...worries.map(renderWorry));
    status.textContent = worries.length ? '' : _("You haven't told us about any worries yet.");
  };

  // I'm worried about something ------------------------------------------------

  const FIELD_FOR = {
    category_unknown: 'topic-field',
    words_empty: 'child-words',
    words_too_long: 'child-words',
  };

  const setUpForm = (form) => {
    const errorBox = $('form-error');
    const button = $('send-worry');
    const max = Number(form.dataset.max) || 4000;

    const showError = (message, fieldId) => {
      errorBox.textContent = message;
      for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
      const field = fieldId && $(fieldId);
      if (field) {
        field.setAttribute('aria-invalid', 'true');
        (field.querySelector('input') || field).focus();
      }
    };

    const chosen = (name) => {
      const input = form.querySelector(`input[name="${name}"]:checked`);
      return input ? input.value : null;
    };

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const category = chosen('category');
      const words = $('child-words').value.trim();
      const wants = $('child-wants').value.trim();
      if (!category) return showError(_('Please choose what your worry is about.'), 'topic-field');
      if (!words) return showError(_('Please tell us about your worry in your own words.'), 'child-words');
      if (words.length > max) return showError(_('That is too long ({max} characters at most).', { max }), 'child-words');
      if (wants.length > max) return showError(_('That is too long ({max} characters at most).', { max }), 'child-wants');
      button.disabled = true;
      button.textContent = _('Sending…');
      let result = null;
      try {
        result = await api('POST', '/api/concerns', {
          child: form.dataset.child, category, severity: chosen('severity') || 'standard',
          child_words: words, child_wants: wants,
        });
      } catch (e) {
        showError(_("We couldn't reach the service. Check your internet connection and try again. Nothing was sent."));
      }
      button.disabled = false;
      button.textContent = _('Send to my advocate');
      if (!result) return;
      const answer = result.answer;
      if (result.status === 201 && answer && answer.ok) {
        form.hidden = true;
        $('sent-next').textContent = answer.concern.next;
        // Help that works now: from the service when what they wrote needs it, or because they said they're not safe.
        const help = answer.help || (chosen('severity') === 'urgent' ? $('help-now').textContent : '');
        if (help) {
          $('sent-help').textContent = help;
          $('sent-help').hidden = false;
        }
        $('sent').hidden = false;
        $('sent').focus();
        return;
      }
      const error = (answer && answer.error) || {};
      showError(error.message || _("That didn't work. Please try again."), FIELD_FOR[error.code]);
    });
  };

  if ($('worries')) showWorries();
  if ($('worry-form')) setUpForm($('worry-form'));
})();
