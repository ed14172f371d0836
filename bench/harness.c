// A minimal Lambda Runtime API server that times a function process:
//   cold: exec -> first `GET next` arrives, and exec -> first response posted (median of N)
//   warm: event sent -> response posted -> 202 -> next `GET next` arrives (median of M)
//   peak RSS (VmHWM) of the process after the warm invocations.
// The same server measures the C floor and the Swift functions, so the ratio compares the clients.
//
// usage: harness COLD_RUNS WARM_RUNS EVENT_FILE -- COMMAND [ARGS...]
// prints: cold_next_us=N cold_response_us=N warm_roundtrip_us=N peak_rss_kb=N

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *event_body;
static size_t event_length;

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static long long median(long long *values, int count) {
    qsort(values, count, sizeof(long long), compare);
    return values[count / 2];
}

// Reads one HTTP request (headers and Content-Length body); returns 1 for GET, 2 for POST, 0 on EOF.
static int read_request(int fd) {
    static char buffer[1 << 16];
    size_t used = 0;
    char *end = NULL;
    while (!end) {
        ssize_t n = read(fd, buffer + used, sizeof(buffer) - used - 1);
        if (n <= 0) return 0;
        used += n;
        buffer[used] = 0;
        end = strstr(buffer, "\r\n\r\n");
    }
    int kind = strncmp(buffer, "GET ", 4) == 0 ? 1 : 2;
    size_t header_length = (end - buffer) + 4;
    size_t content_length = 0;
    for (char *line = buffer; line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "content-length:", 15) == 0) content_length = strtoul(line + 15, NULL, 10);
    }
    size_t have = used - header_length;
    while (have < content_length) {
        char sink[1 << 16];
        size_t want = content_length - have < sizeof(sink) ? content_length - have : sizeof(sink);
        ssize_t n = read(fd, sink, want);
        if (n <= 0) return 0;
        have += n;
    }
    return kind;
}

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n <= 0) return;
        data += n;
        length -= n;
    }
}

static void send_event(int fd, int sequence) {
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Lambda-Runtime-Aws-Request-Id: request-%d\r\nLambda-Runtime-Deadline-Ms: 4102444800000\r\n"
                     "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:bench\r\n"
                     "Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     sequence, event_length);
    write_all(fd, head, n);
    write_all(fd, event_body, event_length);
}

static void send_accepted(int fd) {
    static const char response[] = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}";
    write_all(fd, response, sizeof(response) - 1);
}

static pid_t spawn(char **command, int port) {
    pid_t pid = fork();
    if (pid == 0) {
        char endpoint[64];
        snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%d", port);
        setenv("AWS_LAMBDA_RUNTIME_API", endpoint, 1);
        setenv("LOG_LEVEL", "error", 1);
        execvp(command[0], command);
        perror("exec");
        _exit(127);
    }
    return pid;
}

static long peak_rss_kb(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *file = fopen(path, "r");
    long value = -1;
    while (file && fgets(line, sizeof(line), file)) {
        if (strncmp(line, "VmHWM:", 6) == 0) value = strtol(line + 6, NULL, 10);
    }
    if (file) fclose(file);
    return value;
}

// SIGTERM first, as Lambda does, so a profiler wrapping the process can write its results.
static void stop(pid_t pid, int connection) {
    kill(pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) { pid = 0; break; }
        usleep(10000);
    }
    if (pid) { kill(pid, SIGKILL); waitpid(pid, NULL, 0); }
    if (connection >= 0) close(connection);
}

int main(int argc, char **argv) {
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: %s COLD_RUNS WARM_RUNS EVENT_FILE -- COMMAND [ARGS...]\n", argv[0]);
        return 2;
    }
    int cold_runs = atoi(argv[1]), warm_runs = atoi(argv[2]);
    FILE *file = fopen(argv[3], "rb");
    if (!file) { perror(argv[3]); return 2; }
    fseek(file, 0, SEEK_END);
    event_length = ftell(file);
    rewind(file);
    event_body = malloc(event_length);
    if (fread(event_body, 1, event_length, file) != event_length) { perror("read event"); return 2; }
    fclose(file);
    char **command = argv + 5;

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t address_length = sizeof(address);
    if (bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(listener, 16) != 0) { perror("listen"); return 1; }
    getsockname(listener, (struct sockaddr *)&address, &address_length);
    int port = ntohs(address.sin_port);

    long long *cold_next = calloc(cold_runs, sizeof(long long));
    long long *cold_response = calloc(cold_runs, sizeof(long long));
    for (int run = 0; run < cold_runs; run++) {
        long long start = now_us();
        pid_t pid = spawn(command, port);
        int connection = accept(listener, NULL, NULL);
        setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (read_request(connection) != 1) { fprintf(stderr, "expected GET next\n"); stop(pid, connection); return 1; }
        cold_next[run] = now_us() - start;
        send_event(connection, run);
        if (read_request(connection) != 2) { fprintf(stderr, "expected a POST answer\n"); stop(pid, connection); return 1; }
        cold_response[run] = now_us() - start;
        send_accepted(connection);
        stop(pid, connection);
    }

    long long *warm = calloc(warm_runs, sizeof(long long));
    pid_t pid = spawn(command, port);
    int connection = accept(listener, NULL, NULL);
    setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (read_request(connection) != 1) { fprintf(stderr, "expected GET next\n"); stop(pid, connection); return 1; }
    for (int run = 0; run < warm_runs; run++) {
        long long start = now_us();
        send_event(connection, run);
        if (read_request(connection) != 2) { fprintf(stderr, "expected a POST answer\n"); stop(pid, connection); return 1; }
        send_accepted(connection);
        if (read_request(connection) != 1) { fprintf(stderr, "expected GET next\n"); stop(pid, connection); return 1; }
        warm[run] = now_us() - start;
    }
    long rss = peak_rss_kb(pid);
    stop(pid, connection);

    printf("cold_next_us=%lld cold_response_us=%lld warm_roundtrip_us=%lld peak_rss_kb=%ld\n",
           median(cold_next, cold_runs), median(cold_response, cold_runs), median(warm, warm_runs), rss);
    return 0;
}
