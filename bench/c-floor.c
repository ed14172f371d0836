// The floor a function's runtime is measured against: the smallest C program that speaks the
// Lambda Runtime API with libcurl (one reused easy handle), answering every event with "{}".
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char request_id[128];

static size_t on_header(char *data, size_t size, size_t count, void *context) {
    (void)context;
    size_t total = size * count;
    static const char name[] = "lambda-runtime-aws-request-id:";
    if (total > sizeof(name) && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        size_t start = sizeof(name) - 1;
        while (start < total && data[start] == ' ') start++;
        size_t length = total - start;
        while (length > 0 && (data[start + length - 1] == '\r' || data[start + length - 1] == '\n')) length--;
        if (length >= sizeof(request_id)) length = sizeof(request_id) - 1;
        memcpy(request_id, data + start, length);
        request_id[length] = 0;
    }
    return total;
}

static size_t discard(char *data, size_t size, size_t count, void *context) {
    (void)data; (void)context;
    return size * count;
}

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api) return 1;
    char next_url[256], response_url[512];
    snprintf(next_url, sizeof(next_url), "http://%s/2018-06-01/runtime/invocation/next", api);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    for (;;) {
        curl_easy_reset(curl);
        curl_easy_setopt(curl, CURLOPT_URL, next_url);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
        if (curl_easy_perform(curl) != CURLE_OK) return 1;
        snprintf(response_url, sizeof(response_url), "http://%s/2018-06-01/runtime/invocation/%s/response", api, request_id);
        curl_easy_reset(curl);
        curl_easy_setopt(curl, CURLOPT_URL, response_url);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
        if (curl_easy_perform(curl) != CURLE_OK) return 1;
    }
}
