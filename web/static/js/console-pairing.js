// The pairing plans page (templates/console/pairing.html): applying a plan through the API while showing how
// many of its changes are made so far (read back from the plan every half second), then the page again.
// Without script the Apply button posts the form and the page shows the result.
(() => {
  'use strict';
  const { jsonApi } = window.AdvocacyPage;
  const api = jsonApi('/staff/sign-in');
  const form = document.getElementById('apply-form');
  const box = document.getElementById('plan-actions');
  if (!form || !box) return;
  const planPath = `/api/pairing/plans/${encodeURIComponent(box.dataset.plan)}`;
  const progress = document.getElementById('plan-progress');
  const bar = document.getElementById('plan-progress-bar');
  const words = document.getElementById('plan-progress-words');
  const problem = document.getElementById('plan-problem-live');

  const show = (done, total) => {
    bar.max = total;
    bar.value = done;
    words.textContent = `${done} of ${total} changes made`;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    problem.hidden = true;
    progress.hidden = false;
    show(0, Number(bar.max) || 0);
    let finished = false;
    const poll = async () => {
      while (!finished) {
        await new Promise((resolve) => { setTimeout(resolve, 500); });
        const read = await api('GET', planPath).catch(() => null);
        const p = read && read.answer && read.answer.plan && read.answer.plan.progress;
        if (p && !finished) show(p.done, p.total);
      }
    };
    poll();
    const sent = await api('POST', `${planPath}/apply`, {}).catch(() => null);
    finished = true;
    if (sent && sent.status === 200) {
      window.location.replace(`/console/pairing?plan=${encodeURIComponent(box.dataset.plan)}`);
      return;
    }
    progress.hidden = true;
    button.disabled = false;
    problem.hidden = false;
    problem.textContent = (sent && sent.answer && sent.answer.error && sent.answer.error.message)
      || 'That did not work. Nothing was changed. Please try again.';
  });
})();
