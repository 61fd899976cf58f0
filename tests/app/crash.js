// test-app.c started the VM and kills its QEMU a few seconds after this page
// loaded: watch it go from running to crashed, then give the notifier (a 2 s
// poll) time to speak.
await libraryPainted();
const out = {};
out.before = (await call('vmStatus', { vm: VM })).body.state;
for (let i = 0; i < 120; i++) {
  out.after = (await call('vmStatus', { vm: VM })).body.state;
  if (out.after === 'crashed' || out.after === 'stopped') break;
  await wait(250);
}
await wait(5000);
return out;
