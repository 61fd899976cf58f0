/* A VM as a libvirt domain. PURE: (config, host caps, paths, options) ->
 * domain XML for libvirt 9.0 (Debian 12) and newer, made from the same
 * decisions as the QEMU argv (qemu_cmd.h): each element carries the
 * builder's reason as an XML comment, and what libvirt cannot say is listed
 * as a note (what, why). Golden-tested beside the argv (tests/golden) and
 * validated with virt-xml-validate. docs/libvirt.md maps each choice. */
#pragma once

#include "caps.h"
#include "config.h"
#include "paths.h"
#include "qemu_cmd.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where the domain's files are. NULL members keep the bundle's own files
 * (paths->disk, paths->vars, paths->serial_log): the exported domain then
 * runs the bundle in place. push points them at the uploaded volumes. */
typedef struct {
  const char *name;       /* the domain's name; NULL: the VM's */
  const char *disk;       /* a qcow2 image */
  const char *nvram;      /* the UEFI variables (libvirt's <nvram>) */
  const char *serial_log; /* the serial console's file */
} BvmLibvirtXmlOptions;

typedef struct {
  char *xml;         /* the domain XML */
  GPtrArray *notes;  /* BvmCmdDropped *: what libvirt 9.0 cannot say, and the substitute */
  char *domain_type; /* "kvm", "hvf" or "qemu" (TCG) */
} BvmLibvirtDomain;

void bvm_libvirt_domain_free(BvmLibvirtDomain *domain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmLibvirtDomain, bvm_libvirt_domain_free)

/* The XML namespace of BridgeVM's <metadata> (import reads the VM's os,
 * preset and id back from it). */
#define BVM_LIBVIRT_XMLNS "https://bridgevm.org/xmlns/libvirt/1"

/* Fails as bvm_qemu_cmd_build does (no QEMU for the arch, an accelerator
 * this host lacks, no firmware recorded). */
BvmLibvirtDomain *bvm_libvirt_xml_build(const BvmConfig *config, const BvmHostCaps *caps,
                                        const BvmPaths *paths, const BvmLibvirtXmlOptions *opts,
                                        GError **error);

/* {"xml": "...", "domainType": "kvm", "notes": [{"what": "...", "why": "..."}]} */
JsonNode *bvm_libvirt_domain_to_json(const BvmLibvirtDomain *domain);

G_END_DECLS
