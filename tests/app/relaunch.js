// The next launch: the VM left running shows; on its page it is paused,
// resumed, paused again and stopped while paused, with the page's buttons
// (the notifier reports it stopping).
await libraryPainted();
const out = {};
out.list = await call('listVms');
location.hash = '#/vm/' + encodeURIComponent(VM);
await stateShown('State: Running');
await click('Pause');
await stateShown('State: Paused');
out.paused = (await call('vmStatus', { vm: VM })).body.state;
await click('Resume');
await stateShown('State: Running');
out.resumed = (await call('vmStatus', { vm: VM })).body.state;
await click('Pause');
await stateShown('State: Paused');
await click('Stop');
await stateShown('State: Stopped', 90000);
out.status = await call('vmStatus', { vm: VM });
await wait(5000); // two rounds of the notifier's poll

// The Snapshots tab: a snapshot taken with the page's form; then the VM
// cloned through the Clone dialog, which goes to the clone's page.
[...document.querySelectorAll('[role="tab"]')].find((t) => t.textContent === 'Snapshots').click();
await until('the snapshot form', () => document.querySelector('form[aria-label="Take a snapshot"]'));
fill('Snapshot name', 'clean');
await click('Take snapshot');
await until('the snapshot in the table', () =>
  document.querySelector('table[aria-label="Snapshots"]')?.innerText.includes('Stopped VM'));
out.snapshots = await call('listSnapshots', { vm: VM });
await click('Clone…');
fill('Name of the clone', VM + '-twin');
await click('Clone');
await until("the clone's page", () => decodeURIComponent(location.hash) === '#/vm/' + VM + '-twin');
out.clone = await call('showVm', { vm: VM + '-twin' });
out.source = await call('showVm', { vm: VM });
await call('deleteVm', { vm: VM + '-twin', permanently: true });
await call('deleteSnapshot', { vm: VM, name: 'clean' });

// Native helpers: an unknown one is a 404; chooseIso opens the file chooser
// and waits for the user (nobody answers it here: it is still pending).
out.nativeUnknown = (await fetch('/native/noSuchHelper', { method: 'POST' })).status;
const chosen = fetch('/native/chooseIso', { method: 'POST' }).then((r) => r.json());
out.chooseIso = await Promise.race([chosen, wait(1500).then(() => 'pending')]);
return out;
