/* The libvirt operations of the JSON API (docs/api.md, "libvirt"):
 * listRemotes, addRemote, removeRemote, remoteAction. Registered by the
 * front ends built with libvirt (bvm_api_add_extensions). */
#pragma once

void bvm_virt_api_register(void);
