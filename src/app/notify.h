/* Desktop notifications when a VM stops or crashes while the app is open:
 * the library is polled off the main thread and compared with what was
 * seen last. */
#pragma once

#include "app.h"

G_BEGIN_DECLS

typedef struct BvmNotifier BvmNotifier;

BvmNotifier *bvm_notifier_new(BvmApp *app);
void bvm_notifier_free(BvmNotifier *notifier);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmNotifier, bvm_notifier_free)

/* Pure: the notification for a VM going from @before to @after ("running",
 * "stopped", ...), or NULL when there is none. @reason: lastExit's reason. */
char *bvm_notifier_title(const char *name, const char *before, const char *after);

G_END_DECLS
