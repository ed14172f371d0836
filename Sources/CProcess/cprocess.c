// Typed wrappers of process calls Swift cannot reach directly (variadic or behind _GNU_SOURCE).
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "cprocess.h"

#ifdef __linux__
#include <sys/prctl.h>

int cprocess_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int cprocess_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cprocess_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}
#else
int cprocess_set_nondumpable(void) {
    return 0;  // macOS: a process of the same user cannot read another's environment without task_for_pid rights
}

int cprocess_pipe_cloexec(int fds[2]) {
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

int cprocess_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    (void)actions; (void)lowest;
    return 0;  // POSIX_SPAWN_CLOEXEC_DEFAULT is the macOS way; runs execute on Linux
}
#endif
