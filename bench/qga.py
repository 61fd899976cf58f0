#!/usr/bin/env python3
"""Talk to a QEMU guest agent on its unix socket, for bench/guest.

  qga.py SOCKET wait TIMEOUT_S       until the agent answers guest-sync (exit 1 on timeout)
  qga.py SOCKET exec TIMEOUT_S ARGV...   run ARGV in the guest (guest-exec), print its
                                         stdout, its stderr on stderr; exit with its status

The bench needs this for guests that are not BridgeVM bundles (the copy-paste
command), so it speaks the protocol itself rather than through `bridgevm agent`.
guest-sync-delimited makes the agent drop anything half-read before it answers
(a 0xff byte precedes the reply), as qemu-guest-agent's docs recommend.
"""
import base64
import json
import random
import socket
import sys
import time


class Agent:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the agent socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def sync(self):
        token = random.randint(1, 2**31 - 1)
        self.sock.sendall(b"\xff" + json.dumps(
            {"execute": "guest-sync-delimited", "arguments": {"id": token}}).encode() + b"\n")
        while True:
            line = self._line()
            i = line.rfind(b"\xff")
            if i >= 0:
                line = line[i + 1:]
            if not line.strip():
                continue
            reply = json.loads(line)
            if reply.get("return") == token:
                return

    def call(self, command, arguments=None):
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        reply = json.loads(self._line())
        if "error" in reply:
            raise RuntimeError("%s: %s" % (command, reply["error"].get("desc", reply["error"])))
        return reply["return"]


def wait(path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            a = Agent(path, 1.0)
            try:
                a.sync()
                return 0
            finally:
                a.close()
        except (OSError, ConnectionError, ValueError):
            time.sleep(0.05)
    print("qga.py: no answer from the agent on %s in %d s" % (path, timeout), file=sys.stderr)
    return 1


def run(path, timeout, argv):
    a = Agent(path, 10.0)
    a.sync()
    pid = a.call("guest-exec", {"path": argv[0], "arg": argv[1:], "capture-output": True})["pid"]
    deadline = time.monotonic() + timeout
    while True:
        st = a.call("guest-exec-status", {"pid": pid})
        if st.get("exited"):
            break
        if time.monotonic() > deadline:
            print("qga.py: %s still running in the guest after %d s" % (argv[0], timeout),
                  file=sys.stderr)
            return 124
        time.sleep(0.2)
    sys.stdout.write(base64.b64decode(st.get("out-data", "")).decode(errors="replace"))
    sys.stderr.write(base64.b64decode(st.get("err-data", "")).decode(errors="replace"))
    return st.get("exitcode", 128 + st.get("signal", 0))


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ("wait", "exec"):
        print(__doc__, file=sys.stderr)
        return 2
    path, verb, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if verb == "wait":
        return wait(path, timeout)
    return run(path, timeout, sys.argv[4:])


if __name__ == "__main__":
    sys.exit(main())
