// Sign-in forms (child and staff): post JSON, then go to the next page.
(() => {
  'use strict';
  const form = document.getElementById('sign-in-form');
  if (!form) return;
  const errorBox = document.getElementById('form-error');
  const button = document.getElementById('sign-in-button');
  const buttonLabel = button.textContent;
  const isChild = form.dataset.endpoint === '/api/session/child';

  // A child's sign-in answers in the language of their page: [the English, its translation]. The server's
  // own words are kept where no translation exists (they can hold a number, such as how many minutes).
  const CHILD_ANSWERS = {
    sign_in_failed: ["That didn't work. Check and try again.", _("That didn't work. Check and try again.")],
    last_try: ["That didn't work. You have one more try. If that one is wrong too, your code will be locked and your advocate will need to unlock it.",
      _("That didn't work. You have one more try. If that one is wrong too, your code will be locked and your advocate will need to unlock it.")],
    code_locked: ['Too many tries. Ask your advocate to unlock your code.', _('Too many tries. Ask your advocate to unlock your code.')],
    pins_differ: ['The two PINs are not the same. Type the same PIN in both boxes.',
      _('The two PINs are not the same. Type the same PIN in both boxes.')],
    too_many_tries: ['Too many tries from here. Wait a few minutes, then try again.',
      _('Too many tries from here. Wait a few minutes, then try again.')],
  };
  const inChildLanguage = (code, message) => {
    const pair = isChild && CHILD_ANSWERS[code];
    return pair && pair[0] !== pair[1] ? pair[1] : message;
  };

  const showError = (message, field) => {
    errorBox.textContent = message;
    for (const input of form.querySelectorAll('.input')) input.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  };

  // A child's first PIN (the "first time" part open) needs the setup word and the PIN typed twice.
  const firstTime = document.getElementById('first-time');
  const sent = (input) => !('firstTime' in input.dataset) || (firstTime && firstTime.open);

  const check = () => {
    for (const input of form.querySelectorAll('.input')) {
      if (sent(input) && !input.value.trim() && !('optional' in input.dataset)) {
        return [input.dataset.missing || _('Please fill this in.'), input];
      }
    }
    const pin = document.getElementById('pin');
    if (pin && !/^[0-9]{4,8}$/.test(pin.value)) return [_('Your PIN needs to be 4 to 8 numbers.'), pin];
    const again = document.getElementById('pin-again');
    if (again && sent(again) && again.value !== pin.value) {
      return [_('The two PINs are not the same. Type the same PIN in both boxes.'), again];
    }
    return null;
  };

  const showPin = document.getElementById('show-pin');
  if (showPin) {
    showPin.addEventListener('change', () => {
      document.getElementById('pin').type = showPin.checked ? 'text' : 'password';
    });
  }

  if (new URLSearchParams(window.location.search).has('signed-out')) {
    errorBox.textContent = _("You've been signed out. Please sign in again.");
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = check();
    if (problem) {
      showError(...problem);
      return;
    }
    const body = {};
    for (const input of form.querySelectorAll('.input')) if (sent(input)) body[input.name] = input.value;
    // A language picked on this page before signing in is kept on the child's record.
    if (form.dataset.language) body.language = form.dataset.language;
    button.disabled = true;
    button.textContent = _('Signing in…');
    try {
      const response = await fetch(form.dataset.endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
      let answer = null;
      try { answer = await response.json(); } catch (e) { answer = null; }
      if (response.ok && answer && answer.ok) {
        // 202: the password was right and an authenticator app is to be set up first.
        // A child's first sign-in (their PIN just chosen) lands on a welcome.
        let next = form.dataset.next;
        if (answer.enrolment_needed) next = answer.next;
        else if (answer.first_sign_in && form.dataset.firstNext) next = form.dataset.firstNext;
        // Reviewers work the oversight queue; other staff start at the console.
        else if (answer.role === 'reviewer' && form.dataset.nextReviewer) next = form.dataset.nextReviewer;
        // Interpreters have one page: the chats they are asked into.
        else if (answer.role === 'interpreter' && form.dataset.nextInterpreter) next = form.dataset.nextInterpreter;
        window.location.replace(next);
        return;
      }
      const message = answer && answer.error && answer.error.message;
      const code = answer && answer.error && answer.error.code;
      const field = !isChild ? null
        : code === 'pin_invalid' ? document.getElementById('pin')
          : code === 'pins_differ' ? document.getElementById('pin-again') : null;
      showError(inChildLanguage(code, message) || _("That didn't work. Please try again."), field);
    } catch (e) {
      showError(_("We couldn't reach the service. Check your internet connection and try again."));
    }
    button.disabled = false;
    button.textContent = buttonLabel;
  });
})();
