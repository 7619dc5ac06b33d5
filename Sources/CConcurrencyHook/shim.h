// The Swift runtime's hook for enqueueing global-executor jobs (see EventLoopExecutor.swift). Referenced
// here rather than found with dlsym: with --static-swift-stdlib the runtime is linked into the executable
// and its symbols are not in the dynamic table. Nothing to link: the symbol is the Swift runtime's own.
#include <stdbool.h>
#include <stddef.h>

extern void *swift_task_enqueueGlobal_hook;

/// Installs `hook` unless a hook is already installed; true if installed.
static inline bool tableorder_install_enqueue_global_hook(void *hook) {
    if (swift_task_enqueueGlobal_hook != NULL) return false;
    swift_task_enqueueGlobal_hook = hook;
    return true;
}
