/* Dependency checks for `bridgevm doctor`: each tool BridgeVM runs, where
 * it is, its version, and what to install when it is missing. */
#pragma once

#include "caps.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;
  const char *purpose;
  char *path;    /* NULL when not found */
  char *version; /* NULL when unknown */
  const char *debian_package;
  const char *brew_formula;
} BvmDep;

void bvm_dep_free(BvmDep *dep);

/* qemu-system-x86_64, qemu-system-aarch64, qemu-img, swtpm, swtpm_setup. */
GPtrArray *bvm_deps_check(void);
/* "apt-get install -y PKG" on Linux, "brew install F" on macOS. */
char *bvm_dep_install_hint(const BvmDep *dep, BvmHostOs os);
/* [{"name","purpose","found","path","version","installHint"}] */
JsonNode *bvm_deps_to_json(GPtrArray *deps, BvmHostOs os);
const BvmDep *bvm_deps_find(GPtrArray *deps, const char *name);
/* Where the tool @name is (PATH, then where its package puts it), without
 * running it; NULL when not installed. */
char *bvm_deps_locate(const char *name);

G_END_DECLS
