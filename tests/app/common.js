// Helpers for the app's test scripts. The app runs each script as the body
// of an async function once the page has loaded (BRIDGEVM_APP_TEST_SCRIPT);
// test-app.c prepends `const VM = ..., ISO = ...;` and this file.
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// The library view is painted: the real UI's and the minimal page's markup.
async function libraryPainted() {
  for (let i = 0; i < 800; i++) {
    if (document.querySelector('#library-title') && document.querySelector('table.vms, .empty'))
      return true;
    await wait(25);
  }
  throw new Error('the library was not painted within 20 s: ' + document.body.innerText);
}

async function call(op, params) {
  const res = await fetch('/api/' + op, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(params || {}),
  });
  return { status: res.status, body: await res.json() };
}

// A call with progress: the NDJSON lines, exactly as the UI reads them.
async function callStream(op, params) {
  const res = await fetch('/api/' + op, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: JSON.stringify(params || {}),
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const lines = text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
  return { status: res.status, type: res.headers.get('content-type'), lines };
}

// The first server-sent event of /events?vm=NAME, read with fetch() and a
// stream reader as the UI does; the stream is then let go.
async function firstEvent(vm) {
  const res = await fetch('/events?vm=' + encodeURIComponent(vm));
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return { status: res.status, type: res.headers.get('content-type'), text };
}

// Wait until @fn returns something truthy (checked every 100 ms), or fail
// saying what was awaited and what the page shows.
async function until(what, fn, ms = 20000) {
  for (let t = 0; t < ms; t += 100) {
    const v = fn();
    if (v) return v;
    await wait(100);
  }
  throw new Error('waited ' + ms / 1000 + ' s for ' + what + ': ' + document.body.innerText.slice(0, 400));
}

// Click the page's button named @name (aria-label, else its text) once it is
// enabled, as a person would.
async function click(name) {
  const named = (b) => (b.getAttribute('aria-label') || b.textContent.trim()) === name;
  const b = await until("an enabled button '" + name + "'", () =>
    [...document.querySelectorAll('button')].find((b) => named(b) && !b.disabled));
  b.click();
}

// The state badge (role status) with this accessible name shows.
function stateShown(label, ms) {
  return until("the state '" + label + "'", () =>
    document.querySelector('[role="status"][aria-label="' + label + '"]'), ms);
}

// Type @value into the page's input labelled @label, as React sees typing.
function fill(label, value) {
  const l = [...document.querySelectorAll('label')].find((e) => e.textContent.trim() === label);
  if (!l) throw new Error('no field labelled ' + label + ': ' + document.body.innerText.slice(0, 400));
  const input = document.getElementById(l.htmlFor);
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
