// The next launch: the VM left running shows; on its page it is paused,
// resumed, paused again and stopped while paused, with the page's buttons
// (the notifier reports it stopping).
await libraryPainted();
const out = {};
out.list = await call('listVms');
// The library's thumbnail of the running VM: vmScreenshot shown as a data:
// image, which the app's Content-Security-Policy allows.
let thumb = null;
for (let i = 0; i < 150 && !(thumb = document.querySelector(`img[alt="Screen of ${VM}"]`)); i++)
  await wait(100);
if (thumb) await thumb.decode();
out.thumbWidth = thumb ? thumb.naturalWidth : 0;
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

// Native helpers: an unknown one is a 404; chooseIso opens the file chooser
// and waits for the user (nobody answers it here: it is still pending).
out.nativeUnknown = (await fetch('/native/noSuchHelper', { method: 'POST' })).status;
const chosen = fetch('/native/chooseIso', { method: 'POST' }).then((r) => r.json());
out.chooseIso = await Promise.race([chosen, wait(1500).then(() => 'pending')]);
return out;
