/* A private libvirt for tests: libvirtd + virtlogd started by the test as
 * root in their own mount namespace, with every directory libvirt writes
 * (/etc/libvirt, /var/lib/libvirt, /run/libvirt, /var/log/libvirt, swtpm's
 * log and local CA) bind-mounted from a temp dir, and a 1 MiB tmpfs
 * pool dir for the "pool without space" case. No systemd, nothing of the
 * host's libvirt touched; the client reaches it as
 * qemu:///system?socket=ROOT/run/libvirt-sock. */
#pragma once

#include <gio/gio.h>

typedef struct {
  char *root;    /* the temp dir behind the daemon's directories */
  char *uri;     /* qemu:///system?socket=... */
  char *ssh_uri; /* qemu+ssh://root@127.0.0.1:PORT/system?socket=..., once sshd runs */
  GSubprocess *daemon;
  GSubprocess *sshd;
  char *ns; /* the daemon's mount namespace: QEMU runs in it (killed with the test) */
  gboolean made_run_sshd;
  GPtrArray *made_dirs; /* empty mount points made on the host, removed at stop */
} HarnessLibvirt;

/* NULL (with the reason in *out_skip) when this host cannot: not root, no
 * libvirtd or unshare. */
HarnessLibvirt *harness_libvirt_start(const char *dir, char **out_skip);
/* An sshd on a loopback port with a throwaway key that lets root in
 * (BatchMode), for qemu+ssh:// URIs; FALSE with *out_skip when sshd is not
 * installed. */
gboolean harness_libvirt_start_sshd(HarnessLibvirt *h, char **out_skip);
/* Every domain destroyed and undefined, then sshd, libvirtd and virtlogd
 * ended. */
void harness_libvirt_stop(HarnessLibvirt *h);
/* `virsh -c URI ARGS...` output (stdout), failing the test when virsh does. */
char *harness_virsh(const HarnessLibvirt *h, const char *const *args);
/* The file libvirt's qemu writes at @path (/var/log/libvirt/qemu/X) seen
 * from the host: under ROOT. */
char *harness_libvirt_host_path(const HarnessLibvirt *h, const char *path);
