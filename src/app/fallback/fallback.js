// The minimal library page, compiled in when ui/dist is not built: it lists
// the VMs through the same relative API the real UI uses.
const section = document.querySelector('section');
const status = document.getElementById('status');

async function listVms() {
  const res = await fetch('/api/listVms', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}

function render(vms) {
  for (const old of section.querySelectorAll('table, .empty')) old.remove();
  status.textContent = '';
  if (vms.length === 0) {
    const empty = document.createElement('div');
    empty.className = 'empty';
    empty.textContent = 'No virtual machines yet.';
    section.append(empty);
    return;
  }
  const table = document.createElement('table');
  table.className = 'vms';
  table.innerHTML = '<thead><tr><th>Name</th><th>State</th><th>OS</th></tr></thead>';
  const tbody = document.createElement('tbody');
  for (const vm of vms) {
    const tr = document.createElement('tr');
    for (const text of [vm.name, vm.state, vm.os]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(tbody);
  section.append(table);
}

async function refresh() {
  try {
    render(await listVms());
  } catch (e) {
    status.textContent = e.message;
    status.className = 'error';
  }
}

refresh();
setInterval(refresh, 2000);
