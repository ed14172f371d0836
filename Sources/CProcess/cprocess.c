// Typed wrappers of variadic process calls for Swift.
#include "cprocess.h"

#ifdef __linux__
#include <sys/prctl.h>

int cprocess_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
#else
int cprocess_set_nondumpable(void) {
    return 0;  // macOS: a process of the same user cannot read another's environment without task_for_pid rights
}
#endif
