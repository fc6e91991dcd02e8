// One child's non-instructed advocacy and key moments (templates/console/child_advocacy.html): each form
// posts to the JSON API; the page is drawn by the server, so after a change it is loaded again.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/staff/sign-in');
  const root = document.getElementById('child-advocacy');
  const error = document.getElementById('advocacy-error');
  const child = encodeURIComponent(root.dataset.child);

  const send = async (path, body) => {
    error.textContent = '';
    let result = null;
    try {
      result = await api('POST', path, body);
    } catch (e) {
      result = null;
    }
    if (result && result.status >= 200 && result.status < 300) {
      window.location.reload();
      return;
    }
    error.textContent = (result && result.answer && result.answer.error && result.answer.error.message)
      || 'That did not work. Please try again.';
    error.scrollIntoView({ block: 'center' });
  };

  const valueOf = (form, name) => {
    const field = form.elements.namedItem(name);
    return field ? field.value : undefined;
  };

  const bodies = {
    'non-instructed': (form) => ({ reason: valueOf(form, 'reason'), review_by: valueOf(form, 'review_by') }),
    instructed: (form) => ({ reason: valueOf(form, 'reason') }),
    visits: (form) => {
      const local = valueOf(form, 'at');
      return {
        at: local ? new Date(local).toISOString() : '',
        where: valueOf(form, 'where'),
        present: valueOf(form, 'present').split(',').map((p) => p.trim()).filter(Boolean),
        seemed: valueOf(form, 'seemed'),
        observed: valueOf(form, 'observed'),
        rights: Array.from(form.querySelectorAll('input[name="rights"]:checked')).map((box) => box.value),
      };
    },
    moments: (form) => ({ kind: valueOf(form, 'kind'), on: valueOf(form, 'on') }),
  };

  document.querySelectorAll('form.advocacy-form').forEach((form) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      send(`/api/children/${child}/${form.dataset.path}`, bodies[form.dataset.path](form));
    });
  });
  document.querySelectorAll('form.moment-form').forEach((form) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const path = `/api/moments/${encodeURIComponent(form.dataset.moment)}/${form.dataset.what}`;
      send(path, form.dataset.what === 'views' ? { views: valueOf(form, 'views') } : {
        decided: valueOf(form, 'decided'),
        views_put: form.querySelector('input[name="views_put"]').checked,
        matched: valueOf(form, 'matched'),
      });
    });
  });
})();
