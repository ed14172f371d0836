#ifndef CPROCESS_H
#define CPROCESS_H

#include <spawn.h>

/// prctl(PR_SET_DUMPABLE, 0): prctl is variadic, which Swift cannot call. 0 on success, else -1 (errno set).
int cprocess_set_nondumpable(void);

/// pipe2(fds, O_CLOEXEC), which Glibc's Swift module does not export (it needs _GNU_SOURCE).
int cprocess_pipe_cloexec(int fds[2]);

/// Adds "close every descriptor from `lowest` up" to a spawn's file actions, done in the child
/// itself, so nothing another thread opens meanwhile is inherited. 0 on success, else an errno.
int cprocess_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

#endif
