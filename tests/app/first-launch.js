// First launch on an empty library: refusals, then create and start a VM
// through the scheme, reading progress and events the way the UI does.
await libraryPainted();
const out = {};
out.empty = await call('listVms');
out.unknown = await call('noSuchOperation');
out.getApi = (await fetch('/api/listVms')).status;

// No remote content: the page's Content-Security-Policy blocks it.
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.blockedURI));
out.remoteFetch = await fetch('https://example.com/x.json').then(() => 'loaded', () => 'blocked');
const img = document.createElement('img');
img.src = 'https://example.com/x.png';
document.body.append(img);
await wait(200);
img.remove();
out.violations = violations;

// Navigation away from the app is refused; the page stays.
location.href = 'https://example.com/';
window.open('https://example.org/');
await wait(500);
out.stayed = location.href;

out.create = await callStream('createVm', {
  name: VM, isoPath: ISO, preset: 'light', memoryMiB: 512, diskGiB: 1, tpm: false,
});
out.event = await firstEvent(VM);
out.start = await callStream('startVm', { vm: VM, display: 'none' });
out.status = await call('vmStatus', { vm: VM });
// The library shows the VM (it polls) before the screenshot.
for (let i = 0; i < 100 && !document.querySelector('table.vms')?.innerText.includes(VM); i++)
  await wait(100);
out.shown = document.querySelector('table.vms')?.innerText.includes(VM) || false;
return out;
