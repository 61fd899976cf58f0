/* A VM's port forwards and shared folders changed: checked against the VM,
 * the other VMs of the library and this host, saved to config.json, and
 * for forwards applied at once to a running VM (QMP hostfwd_add /
 * hostfwd_remove on its user netdev). */
#pragma once

#include "config.h"
#include "paths.h"
#include "registry.h"

G_BEGIN_DECLS

/* Adds @forward. ALREADY_EXISTS when this VM or another VM of @library
 * forwards the same host port; BUSY naming the owner when the port is
 * taken on this host. Updates @entry's config on success. */
gboolean bvm_sharing_add_forward(const char *library, BvmVmEntry *entry, const BvmForward *forward,
                                 GError **error);

/* Removes the forwards of host port @host_port (over @proto, or both when
 * @any_proto). NOT_FOUND when there is none. */
gboolean bvm_sharing_remove_forward(BvmVmEntry *entry, BvmForwardProto proto, gboolean any_proto,
                                    guint host_port, GError **error);

/* Adds @share to a stopped VM: the path must be an existing directory
 * (made absolute), the tag unused; a Windows guest takes one share, read-
 * write (QEMU's SMB server shares one directory read-write), and only where
 * smbd is installed (DEPENDENCY_MISSING naming samba). BUSY while the VM
 * runs. */
gboolean bvm_sharing_add_share(BvmVmEntry *entry, const BvmShare *share, GError **error);

/* Removes the share tagged @tag from a stopped VM. */
gboolean bvm_sharing_remove_share(BvmVmEntry *entry, const char *tag, GError **error);

/* Before a start: every forward's host port is free (BUSY naming its
 * owner, such as another VM) and every shared directory exists. TRUE
 * without looking when the VM already runs (start says so). */
gboolean bvm_sharing_check_start(const BvmConfig *config, const BvmPaths *paths, GError **error);

/* The view of a VM (bvm_vm_to_json's object): each share gains
 * "mountCommand" (what to type in the guest), each forward "public"
 * (reachable from other machines). */
void bvm_sharing_annotate_view(JsonObject *view, const BvmConfig *config);

G_END_DECLS
