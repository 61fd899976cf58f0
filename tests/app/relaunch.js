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
return out;
