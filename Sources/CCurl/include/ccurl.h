#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>

// libcurl's curl_easy_setopt is variadic, which Swift cannot call; this shim exposes the one
// operation the platform needs, a whole request on a reused easy handle, with typed arguments.

typedef struct ccurl_handle ccurl_handle;

typedef struct {
    long status;
    char *body;
    size_t body_length;
    size_t body_capacity;
    char *headers;          // the final response's header block, lines as received
    size_t headers_length;
    size_t headers_capacity;
    int curl_code;          // 0 on success, else a CURLcode
    char error[256];
} ccurl_response;

/// The CA bundle every handle verifies servers against (copied); NULL leaves libcurl's built-in
/// default, which is the build machine's path and may not exist where the binary runs.
void ccurl_set_ca_file(const char *path);

/// NULL once libcurl is loaded (on first use) and initialised, else why not; loads it if needed.
const char *ccurl_load_error(void);

/// A new easy handle, or NULL when libcurl cannot be loaded (see ccurl_load_error); keep it for the process so connections are reused (keep-alive).
ccurl_handle *ccurl_handle_new(void);
void ccurl_handle_free(ccurl_handle *handle);

/// Performs one request. `timeout_ms` 0 means no timeout. Returns 0 on success, else the CURLcode;
/// either way `response` must be released with ccurl_response_free.
int ccurl_perform(ccurl_handle *handle,
                  const char *method,
                  const char *url,
                  const char *const *headers, size_t header_count,
                  const void *body, size_t body_length,
                  long timeout_ms, long connect_timeout_ms,
                  ccurl_response *response);

void ccurl_response_free(ccurl_response *response);

#endif
