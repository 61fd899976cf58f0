// Pause, resume, stop in every live state, and the accelerator: the library
// row, the VM page, its settings and the wizard, against a fake transport.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api/client';
import type { Command, HostInfo, Vm } from '../api/types';
import { Library } from '../pages/Library';
import { tcgWhy, VmDetail } from '../pages/VmDetail';
import { Wizard } from '../pages/wizard/Wizard';
import { fixture, openStream, serve, statusIn, vmIn } from './fakeServer';

afterEach(() => {
  cleanup();
  setFetch((...a) => fetch(...a));
});

const diskFull = 'the host disk is full (or failing): free space, then resume';
const host = (accels: HostInfo['accels'], kvmError: string | null = null): HostInfo => ({
  ...fixture('hostInfo'),
  accels,
  kvmError,
});
const command = (accel: string, dropped: Command['dropped'] = []): Command => ({
  ...fixture('vmCommand'),
  accel,
  dropped,
});
const button = (name: string | RegExp) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('Library row actions', () => {
  it('pauses a running VM, resumes and stops a paused one, and shows why it is paused', async () => {
    const paused = vmIn('paused', 'b');
    paused.status.reason = diskFull;
    const calls = serve({
      listVms: () => [vmIn('running', 'a'), paused],
      pauseVm: () => ({ ...statusIn('paused'), name: 'a', id: 'a-id' }),
      resumeVm: () => ({ ...statusIn('running'), name: 'b', id: 'b-id' }),
      stopVm: () => ({ ...statusIn('stopped'), name: 'b', id: 'b-id' }),
    });
    render(<Library />);
    const a = await screen.findByRole('row', { name: /^a / });
    const b = screen.getByRole('row', { name: /^b / });
    expect(within(a).queryByRole('button', { name: 'Resume a' })).toBeNull();
    expect(within(b).queryByRole('button', { name: 'Pause b' })).toBeNull();
    expect(within(b).getByText(diskFull)).toBeTruthy();
    expect(within(b).getByRole('status', { name: 'b is paused' }).getAttribute('title')).toBe(diskFull);

    fireEvent.click(within(a).getByRole('button', { name: 'Pause a' }));
    await waitFor(() => expect(calls.some((c) => c.op === 'pauseVm')).toBe(true));
    await waitFor(() => expect((within(b).getByRole('button', { name: 'Resume b' }) as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(within(b).getByRole('button', { name: 'Resume b' }));
    await waitFor(() => expect(calls.some((c) => c.op === 'resumeVm')).toBe(true));
    const stop = () => within(b).getByRole('button', { name: 'Stop b' }) as HTMLButtonElement;
    await waitFor(() => expect(stop().disabled).toBe(false));
    fireEvent.click(stop());
    await waitFor(() => expect(calls.some((c) => c.op === 'stopVm')).toBe(true));
    expect(calls.find((c) => c.op === 'pauseVm')?.body).toEqual({ vm: 'a' });
    expect(calls.find((c) => c.op === 'resumeVm')?.body).toEqual({ vm: 'b' });
    expect(calls.find((c) => c.op === 'stopVm')?.body).toMatchObject({ vm: 'b', force: false });
  });

  it('offers Stop in every live state, Pause only while running', async () => {
    serve({ listVms: () => (['starting', 'running', 'paused', 'stopping'] as const).map((s) => vmIn(s, s)) });
    render(<Library />);
    await screen.findByRole('row', { name: /^starting / });
    for (const s of ['starting', 'running', 'paused', 'stopping']) expect(button(`Stop ${s}`).disabled).toBe(false);
    expect(button('Pause starting').disabled).toBe(true);
    expect(button('Pause stopping').disabled).toBe(true);
    expect(button('Pause running').disabled).toBe(false);
    expect(button('Resume paused').disabled).toBe(false);
  });
});

/** The VM page of @vm, with @more answers and @events. */
function page(
  vm: Vm,
  more: Record<string, (body: Record<string, unknown>) => unknown> = {},
  events?: ReturnType<typeof openStream>,
) {
  const calls = serve(
    {
      showVm: () => vm,
      hostInfo: () => host(['kvm', 'tcg']),
      vmCommand: () => command('kvm'),
      ...more,
    },
    events,
  );
  render(<VmDetail name={vm.name} />);
  return calls;
}

describe('VM page', () => {
  it('a paused VM: Resume, Stop and Force stop; its reason next to the state', async () => {
    const vm = vmIn('paused');
    vm.status.reason = diskFull;
    const calls = page(vm, { resumeVm: () => ({ ...statusIn('running'), name: vm.name, id: vm.id }) });
    await screen.findByRole('status', { name: 'State: Paused' });
    expect(screen.getByText(diskFull)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    expect(button('Start').disabled).toBe(true);
    expect(button('Stop').disabled).toBe(false);
    expect(button('Force stop').disabled).toBe(false);
    fireEvent.click(button('Resume'));
    // the answer is the new status: the page follows it at once
    await screen.findByRole('status', { name: 'State: Running' });
    expect(calls.find((c) => c.op === 'resumeVm')?.body).toEqual({ vm: vm.name });
    expect(screen.queryByText(diskFull)).toBeNull();
    expect(button('Pause').disabled).toBe(false);
  });

  it('a running VM pauses with Pause', async () => {
    const vm = vmIn('running');
    const calls = page(vm, { pauseVm: () => ({ ...statusIn('paused'), name: vm.name, id: vm.id }) });
    await screen.findByRole('status', { name: 'State: Running' });
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
    fireEvent.click(button('Pause'));
    await screen.findByRole('status', { name: 'State: Paused' });
    expect(calls.find((c) => c.op === 'pauseVm')?.body).toEqual({ vm: vm.name });
    expect(button('Resume').disabled).toBe(false);
  });

  it('stops a paused VM, and force-stops one still starting', async () => {
    const vm = vmIn('paused');
    const calls = page(vm, { stopVm: () => ({ ...statusIn('stopped'), name: vm.name, id: vm.id }) });
    await screen.findByRole('status', { name: 'State: Paused' });
    fireEvent.click(button('Stop'));
    await screen.findByRole('status', { name: 'State: Stopped' });
    expect(calls.find((c) => c.op === 'stopVm')?.body).toMatchObject({ vm: vm.name, force: false });
    cleanup();

    const starting = vmIn('starting');
    const calls2 = page(starting, { killVm: () => ({ ...statusIn('stopped'), name: vm.name, id: vm.id }) });
    await screen.findByRole('status', { name: 'State: Starting' });
    expect(button('Stop').disabled).toBe(false);
    expect(button('Pause').disabled).toBe(true);
    fireEvent.click(button('Force stop'));
    await screen.findByRole('status', { name: 'State: Stopped' });
    expect(calls2.find((c) => c.op === 'killVm')?.body).toEqual({ vm: starting.name });
  });

  it('Stop and Force stop work while a start is still under way', async () => {
    const vm = vmIn('stopped');
    const events = openStream();
    const calls = page(
      vm,
      {
        startVm: () => openStream().response(), // still starting
        stopVm: () => openStream().response(), // the guest takes its time
        killVm: () => ({ ...statusIn('stopped'), name: vm.name, id: vm.id }),
      },
      events,
    );
    await screen.findByRole('status', { name: 'State: Stopped' });
    fireEvent.click(button('Start'));
    await screen.findByText('Starting…');
    events.pushState(statusIn('starting'));
    await screen.findByRole('status', { name: 'State: Starting' });
    await waitFor(() => expect(button('Stop').disabled).toBe(false));
    fireEvent.click(button('Stop'));
    events.pushState(statusIn('stopping'));
    await screen.findByRole('status', { name: 'State: Stopping' });
    // a graceful stop under way: Force stop still pulls the plug
    expect(button('Stopping…').disabled).toBe(true);
    fireEvent.click(button('Force stop'));
    await screen.findByRole('status', { name: 'State: Stopped' });
    expect(calls.map((c) => c.op).filter((op) => op.endsWith('Vm'))).toEqual([
      'showVm',
      'startVm',
      'stopVm',
      'killVm',
      'showVm',
    ]);
  });

  it('says why a VM runs under TCG on a host with /dev/kvm', async () => {
    const why = 'KVM is present but cannot run UEFI firmware on this host: KVM internal error; using TCG';
    page(vmIn('running'), {
      vmCommand: () => command('tcg', [{ what: 'hardware acceleration', why }]),
    });
    expect(await screen.findByText(`Running under TCG emulation: ${why}`)).toBeTruthy();
  });

  it('says nothing about TCG when the VM has hardware acceleration', async () => {
    const calls = page(vmIn('running'));
    await screen.findByRole('status', { name: 'State: Running' });
    await waitFor(() => expect(calls.some((c) => c.op === 'vmCommand')).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByText(/TCG emulation/)).toBeNull();
  });

  it('shows why a crashed VM ended', async () => {
    const reason = 'KVM internal error: emulation failure (set VM --accel tcg)';
    const vm = vmIn('crashed', 'fixture', {
      lastExit: { kind: 'crash', reason, status: 1, signal: 0, at: '2026-11-30T18:00:00Z' },
    });
    page(vm);
    await screen.findByRole('status', { name: 'State: Crashed' });
    expect(screen.getByText(new RegExp(reason.replace(/[()]/g, '\\$&'))).textContent).toContain(reason);
  });
});

describe('tcgWhy', () => {
  it('takes the dropped "hardware acceleration" entry, else the host kvmError, only under TCG', () => {
    const dropped = [{ what: 'hardware acceleration', why: 'the VM’s settings ask for TCG' }];
    expect(tcgWhy(command('tcg', dropped), host(['tcg'], 'no vmx'))).toBe('the VM’s settings ask for TCG');
    expect(tcgWhy(command('tcg'), host(['tcg'], 'no vmx'))).toBe('no vmx');
    expect(tcgWhy(command('tcg'), host(['tcg']))).toBeNull();
    expect(tcgWhy(command('kvm', dropped), host(['kvm', 'tcg'], 'x'))).toBeNull();
  });
});

describe('VM settings: the accelerator', () => {
  const accel = () => screen.getByRole('combobox', { name: 'Accelerator' }) as HTMLSelectElement;

  it('offers Automatic and what the host has; a stopped VM saves its choice with updateVm', async () => {
    const vm = vmIn('stopped');
    const calls = page(vm, { updateVm: (b) => ({ ...vm, accel: b.accel }) });
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    await waitFor(() => expect([...accel().options].map((o) => o.value)).toEqual(['auto', 'kvm', 'tcg']));
    expect(accel().value).toBe('auto');
    expect(accel().matches(':disabled')).toBe(false);
    fireEvent.change(accel(), { target: { value: 'tcg' } });
    fireEvent.click(button('Save settings'));
    await screen.findByText('Saved.');
    expect(calls.find((c) => c.op === 'updateVm')?.body).toMatchObject({ vm: vm.name, accel: 'tcg' });
    expect(screen.getByText(/· TCG \(emulation, slow\)/)).toBeTruthy();
  });

  it('is locked while the VM runs, and sends no accel when unchanged', async () => {
    const vm = vmIn('running', 'fixture', { accel: 'kvm' });
    page(vm);
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    await waitFor(() => expect(accel().value).toBe('kvm'));
    expect(accel().matches(':disabled')).toBe(true);
    cleanup();

    const stopped = vmIn('stopped');
    const calls = page(stopped, { updateVm: () => stopped });
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    fireEvent.click(button('Save settings'));
    await screen.findByText('Saved.');
    expect(calls.find((c) => c.op === 'updateVm')?.body).not.toHaveProperty('accel');
  });

  it('says why KVM fails here when it is chosen', async () => {
    page(vmIn('stopped'), { hostInfo: () => host(['kvm', 'tcg'], 'failed to set MSR 0x10a') });
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    await waitFor(() => expect(accel().options.length).toBe(3));
    expect(screen.queryByText(/KVM does not work/)).toBeNull();
    fireEvent.change(accel(), { target: { value: 'kvm' } });
    expect(screen.getByText('KVM does not work on this host: failed to set MSR 0x10a')).toBeTruthy();
  });

  it('keeps a choice this host lacks, marked so', async () => {
    page(vmIn('stopped', 'fixture', { accel: 'hvf' }));
    fireEvent.click(await screen.findByRole('tab', { name: 'Settings' }));
    await waitFor(() => expect(accel().value).toBe('hvf'));
    expect(accel().selectedOptions[0].textContent).toBe('HVF (not available on this host)');
  });
});

describe('Wizard: the accelerator', () => {
  it('is an advanced choice among the host’s, sent to planVm and createVm', async () => {
    const calls = serve({
      hostInfo: () => host(['tcg'], 'KVM internal error'),
      presets: () => fixture('presets'),
      validateIso: (b) => ({ path: b.path, valid: true, message: null }),
      planVm: () => ({ ...fixture('planVm'), command: command('tcg') }),
      createVm: () => ({ result: vmIn('stopped') }),
    });
    render(<Wizard />);
    fireEvent.click(await screen.findByRole('radio', { name: /Linux/ }));
    fireEvent.click(button('Next'));
    fireEvent.change(screen.getByRole('textbox', { name: 'ISO path' }), { target: { value: '/good.iso' } });
    await screen.findByText('A bootable installer image.');
    fireEvent.click(button('Next'));
    fireEvent.click(button('Next'));
    const advanced = screen.getByText('Advanced').closest('details') as HTMLDetailsElement;
    expect(advanced.open).toBe(false);
    fireEvent.click(screen.getByText('Advanced'));
    const accel = within(advanced).getByRole('combobox', { name: 'Accelerator' }) as HTMLSelectElement;
    expect([...accel.options].map((o) => o.textContent)).toEqual(['Automatic (recommended)', 'TCG (emulation, slow)']);
    fireEvent.change(accel, { target: { value: 'tcg' } });
    fireEvent.click(button('Next'));
    await screen.findByText(/Accelerator:/);
    expect(calls.find((c) => c.op === 'planVm')?.body).toMatchObject({ accel: 'tcg' });
    fireEvent.click(button('Create VM'));
    await waitFor(() => expect(calls.some((c) => c.op === 'createVm')).toBe(true));
    expect(calls.find((c) => c.op === 'createVm')?.body).toMatchObject({ accel: 'tcg', os: 'linux' });
  });
});
