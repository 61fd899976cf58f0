// The library's screen thumbnails and the Console tab's views, against a
// fake transport.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api/client';
import { ConsoleTab } from '../components/ConsoleTab';
import { Thumbnail } from '../components/Thumbnail';
import { serve } from './fakeServer';

afterEach(() => {
  cleanup();
  setFetch((...a) => fetch(...a));
});

const shot = (live: boolean) => ({ live, takenAt: '2026-11-30T20:00:00Z', width: 1, height: 1, png: 'iVBORw0KGgo=' });

describe('Thumbnail', () => {
  it('shows a running VM’s screen from a cache at most 4 s old', async () => {
    const calls = serve({ vmScreenshot: () => shot(true) });
    render(<Thumbnail vm="deb" state="running" />);
    const img = await screen.findByRole('img', { name: 'Screen of deb' });
    expect(img.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(img.className).not.toContain('thumb-stopped');
    expect(calls[0].body).toEqual({ vm: 'deb', thumbnail: true, maxAgeSeconds: 4, lastScreen: true });
  });

  it('shows a stopped VM’s last screen greyed, asked for once', async () => {
    const calls = serve({ vmScreenshot: () => shot(false) });
    render(<Thumbnail vm="deb" state="stopped" />);
    const img = await screen.findByRole('img', { name: 'Last screen of deb' });
    expect(img.className).toContain('thumb-stopped');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.length).toBe(1);
  });

  it('shows nothing for a VM that never ran', async () => {
    const calls = serve({});
    render(<Thumbnail vm="new" state="stopped" />);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.map((c) => c.op)).toEqual(['vmScreenshot']);
    expect(screen.queryByRole('img')).toBeNull();
  });
});

describe('ConsoleTab', () => {
  it('offers Screen and Serial for a running VM in the browser', () => {
    render(<ConsoleTab vm="deb" live display="none" desktop={false} />);
    const serial = screen.getByRole('radio', { name: 'Serial' });
    expect(screen.getByRole('radio', { name: 'Screen' }).getAttribute('aria-checked')).toBe('true');
    expect(screen.getByText('This VM runs without a shared screen.')).toBeTruthy();
    expect(serial.getAttribute('aria-checked')).toBe('false');
  });

  it('names the terminal command in the desktop app, which carries no WebSocket', () => {
    render(<ConsoleTab vm="deb" live display="window" desktop />);
    expect(screen.getByText('bridgevm console deb')).toBeTruthy();
    expect(screen.queryByRole('radio')).toBeNull();
  });

  it('asks to start a stopped VM', () => {
    render(<ConsoleTab vm="deb" live={false} display={null} desktop={false} />);
    expect(screen.getByText('Start the VM to see its screen here.')).toBeTruthy();
  });
});
