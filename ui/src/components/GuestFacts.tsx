import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { AgentInterface, AgentOsInfo } from '../api/types';

/** The guest agent's view of the guest while it runs: OS and IP addresses. */
export function GuestFacts({ vm }: { vm: string }) {
  const [os, setOs] = useState<string | null>(null);
  const [ips, setIps] = useState<string[] | null>(null);
  const [waiting, setWaiting] = useState(true);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    async function poll() {
      let ok = false;
      try {
        const info = await api.agent<AgentOsInfo>(vm, 'osinfo');
        const net = await api.agent<AgentInterface[]>(vm, 'network');
        if (stopped) return;
        setOs(info['pretty-name'] ?? info.name ?? 'unknown');
        const addrs = net
          .filter((i) => i.name !== 'lo')
          .flatMap((i) => i['ip-addresses'] ?? [])
          .filter((a) => a['ip-address-type'] === 'ipv4')
          .map((a) => a['ip-address']);
        setIps(addrs);
        ok = addrs.length > 0;
        setWaiting(false);
      } catch {
        /* the agent is not up yet */
      }
      if (!stopped) timer = setTimeout(() => void poll(), ok ? 15000 : 3000);
    }
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [vm]);

  return (
    <section aria-label="Guest" className="guest">
      <h2>Guest</h2>
      {waiting && os === null ? (
        <p className="muted">Waiting for the guest agent…</p>
      ) : (
        <dl className="facts">
          <dt>Guest OS</dt>
          <dd aria-label="Guest OS">{os}</dd>
          <dt>IP address</dt>
          <dd aria-label="IP address">{ips && ips.length > 0 ? ips.join(', ') : 'none yet'}</dd>
        </dl>
      )}
    </section>
  );
}
