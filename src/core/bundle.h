/* A VM bundle on disk: made whole in a temp dir and renamed into place, so a
 * crash never leaves half a VM in the library. */
#pragma once

#include "config.h"
#include "paths.h"

#include <glib.h>

G_BEGIN_DECLS

typedef void (*BvmProgressFunc)(const char *step, gpointer user_data);

/* Build the bundle for @config (name, id and firmware choice filled) in
 * @library: disk, NVRAM vars from the firmware template, TPM state when
 * enabled, config.json last; then rename into place. Call with the library
 * lock held (see library.h). Returns the bundle path. Nothing is left behind
 * on failure. *out_notice (optional) collects notices (TPM without certs). */
char *bvm_bundle_create(const char *library, const BvmConfig *config, BvmProgressFunc progress,
                        gpointer user_data, char **out_notice, GError **error);

/* A temp dir in @library for a bundle being made (.bridgevm-tmp-PID-...,
 * swept by bvm_registry_sweep_temps once PID is gone). */
char *bvm_bundle_make_temp(const char *library, GError **error);

/* Rename the finished @tmp to @final, never replacing anything (an
 * existing @final is ALREADY_EXISTS); @tmp is removed on failure. */
gboolean bvm_bundle_move_into_place(const char *tmp, const char *final, GError **error);

/* A fresh TPM 2.0 in @tpm_dir (made), its state private to the owner. */
gboolean bvm_bundle_make_tpm(const char *tpm_dir, char **out_notice, GError **error);

/* flock(LOCK_EX|LOCK_NB) on the bundle directory: the monitor holds it for
 * the VM's life. Returns the fd (close it to unlock) or -1 with BUSY. */
int bvm_bundle_lock(const BvmPaths *paths, GError **error);

/* TRUE while a monitor holds the bundle lock (the VM is running or starting). */
gboolean bvm_bundle_is_locked(const BvmPaths *paths);

/* BUSY naming the VM when it is running: most edits need it stopped. */
gboolean bvm_bundle_check_stopped(const BvmConfig *config, const BvmPaths *paths,
                                  const char *action, GError **error);

/* Copy the firmware's NVRAM template over efi-vars.fd (atomically). */
gboolean bvm_bundle_reset_nvram(const BvmConfig *config, const BvmPaths *paths, GError **error);

/* To the Trash, or removed for good with @permanently. */
gboolean bvm_bundle_delete(const BvmConfig *config, const BvmPaths *paths, gboolean permanently,
                           GError **error);

G_END_DECLS
