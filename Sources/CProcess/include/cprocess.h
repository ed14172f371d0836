#ifndef CPROCESS_H
#define CPROCESS_H

/// prctl(PR_SET_DUMPABLE, 0): prctl is variadic, which Swift cannot call. 0 on success, else -1 (errno set).
int cprocess_set_nondumpable(void);

#endif
