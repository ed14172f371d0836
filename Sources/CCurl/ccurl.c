#include "ccurl.h"

// The declarations only: the calls go through pointers, which typecheck-gcc.h's macros would hide.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// libcurl is opened on first use, not linked: its ~30 shared libraries (TLS, Kerberos, LDAP, ...)
// cost more at process start than the rest of a function together, and most functions never call
// out, or not before their first event. Only the declarations of <curl/curl.h> are used here.
#ifdef __APPLE__
#define CCURL_LIBRARY "libcurl.4.dylib"
#else
#define CCURL_LIBRARY "libcurl.so.4"
#endif

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static char load_error[512];

struct ccurl_handle {
    CURL *easy;
};

#define curl_easy_init curl.easy_init
#define curl_easy_cleanup curl.easy_cleanup
#define curl_easy_reset curl.easy_reset
#undef curl_easy_setopt
#define curl_easy_setopt curl.easy_setopt
#define curl_easy_perform curl.easy_perform
#undef curl_easy_getinfo
#define curl_easy_getinfo curl.easy_getinfo
#define curl_easy_strerror curl.easy_strerror
#define curl_slist_append curl.slist_append
#define curl_slist_free_all curl.slist_free_all
// Set once at init, before any request; read-only afterwards.
static char *ca_file = NULL;

void ccurl_set_ca_file(const char *path) {
    free(ca_file);
    ca_file = path ? strdup(path) : NULL;
}
static void global_init(void) {
    void *library = dlopen(CCURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(load_error, sizeof(load_error), "cannot load %s: %s", CCURL_LIBRARY, dlerror());
        return;
    }
#define RESOLVE(field, symbol) \
    if (!(*(void **)&curl.field = dlsym(library, symbol))) { \
        snprintf(load_error, sizeof(load_error), "%s has no %s", CCURL_LIBRARY, symbol); \
        return; \
    }
    RESOLVE(global_init, "curl_global_init")
    RESOLVE(easy_init, "curl_easy_init")
    RESOLVE(easy_cleanup, "curl_easy_cleanup")
    RESOLVE(easy_reset, "curl_easy_reset")
    RESOLVE(easy_setopt, "curl_easy_setopt")
    RESOLVE(easy_perform, "curl_easy_perform")
    RESOLVE(easy_getinfo, "curl_easy_getinfo")
    RESOLVE(easy_strerror, "curl_easy_strerror")
    RESOLVE(slist_append, "curl_slist_append")
    RESOLVE(slist_free_all, "curl_slist_free_all")
#undef RESOLVE
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof(load_error), "curl_global_init failed");
        return;
    }
    loaded = 1;
}

const char *ccurl_load_error(void) {
    pthread_once(&global_once, global_init);
    return loaded ? NULL : load_error;
}

ccurl_handle *ccurl_handle_new(void) {
    pthread_once(&global_once, global_init);
    if (!loaded) return NULL;
    ccurl_handle *handle = calloc(1, sizeof(ccurl_handle));
    if (!handle) return NULL;
    handle->easy = curl_easy_init();
    if (!handle->easy) { free(handle); return NULL; }
    return handle;
}

void ccurl_handle_free(ccurl_handle *handle) {
    if (!handle) return;
    curl_easy_cleanup(handle->easy);
    free(handle);
}

static int append(char **buffer, size_t *length, size_t *capacity, const char *data, size_t size) {
    if (*length + size + 1 > *capacity) {
        size_t wanted = *capacity ? *capacity : 1024;
        while (wanted < *length + size + 1) wanted *= 2;
        char *grown = realloc(*buffer, wanted);
        if (!grown) return 0;
        *buffer = grown;
        *capacity = wanted;
    }
    memcpy(*buffer + *length, data, size);
    *length += size;
    (*buffer)[*length] = 0;
    return 1;
}

static size_t on_body(char *data, size_t size, size_t count, void *context) {
    ccurl_response *response = context;
    size_t total = size * count;
    return append(&response->body, &response->body_length, &response->body_capacity, data, total) ? total : 0;
}

static size_t on_header(char *data, size_t size, size_t count, void *context) {
    ccurl_response *response = context;
    size_t total = size * count;
    // A new status line (after a 100 Continue or a redirect) starts a new header block.
    if (total >= 5 && memcmp(data, "HTTP/", 5) == 0) response->headers_length = 0;
    return append(&response->headers, &response->headers_length, &response->headers_capacity, data, total) ? total : 0;
}

int ccurl_perform(ccurl_handle *handle,
                  const char *method,
                  const char *url,
                  const char *const *headers, size_t header_count,
                  const void *body, size_t body_length,
                  long timeout_ms, long connect_timeout_ms,
                  ccurl_response *response) {
    memset(response, 0, sizeof(*response));
    CURL *easy = handle->easy;
    // Reset keeps live connections, so the next request reuses the socket.
    curl_easy_reset(easy);

    struct curl_slist *list = NULL;
    int has_content_type = 0;
    for (size_t i = 0; i < header_count; i++) {
        list = curl_slist_append(list, headers[i]);
        if (strncasecmp(headers[i], "Content-Type:", 13) == 0) has_content_type = 1;
    }
    // A body sent with POSTFIELDS is labelled a form by default; a body is only what its caller says.
    if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
    // Without this libcurl waits for "100 Continue" before sending bodies over 1 KiB.
    list = curl_slist_append(list, "Expect:");

    curl_easy_setopt(easy, CURLOPT_URL, url);
    if (ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, response);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, response->error);

    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST") != 0) curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body_length ? body : "");
    }

    CURLcode code = curl_easy_perform(easy);
    curl_slist_free_all(list);
    response->curl_code = (int)code;
    if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response->status);
    } else if (response->error[0] == 0) {
        strncpy(response->error, curl_easy_strerror(code), sizeof(response->error) - 1);
    }
    return (int)code;
}

void ccurl_response_free(ccurl_response *response) {
    free(response->body);
    free(response->headers);
    response->body = NULL;
    response->headers = NULL;
}
