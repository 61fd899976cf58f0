// The next launch: the VM left running shows, then it is killed from the
// app (the notifier reports it stopping).
await libraryPainted();
const out = {};
out.list = await call('listVms');
out.kill = await call('killVm', { vm: VM });
for (let i = 0; i < 40; i++) {
  out.status = await call('vmStatus', { vm: VM });
  if (out.status.body.state !== 'running') break;
  await wait(250);
}
await wait(5000); // two rounds of the notifier's poll

// Native helpers: an unknown one is a 404; chooseIso opens the file chooser
// and waits for the user (nobody answers it here: it is still pending).
out.nativeUnknown = (await fetch('/native/noSuchHelper', { method: 'POST' })).status;
const chosen = fetch('/native/chooseIso', { method: 'POST' }).then((r) => r.json());
out.chooseIso = await Promise.race([chosen, wait(1500).then(() => 'pending')]);
return out;
