#ifndef HERALD_CCURL_SHIM_H
#define HERALD_CCURL_SHIM_H

#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, so Swift cannot call them: typed wrappers. */

typedef size_t (*herald_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*herald_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                             curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode herald_curl_setopt_long(CURL *h, CURLoption option, long value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode herald_curl_setopt_pointer(CURL *h, CURLoption option, const void *value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode herald_curl_setopt_string(CURL *h, CURLoption option, const char *value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode herald_curl_setopt_off(CURL *h, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode herald_curl_setopt_slist(CURL *h, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(h, option, value);
}
static inline CURLcode herald_curl_setopt_data_callback(CURL *h, CURLoption option, herald_curl_data_callback cb) {
    return curl_easy_setopt(h, option, cb);
}
static inline CURLcode herald_curl_setopt_xferinfo_callback(CURL *h, herald_curl_xferinfo_callback cb) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb);
}

static inline CURLcode herald_curl_getinfo_long(CURL *h, CURLINFO info, long *value) {
    return curl_easy_getinfo(h, info, value);
}
static inline CURLcode herald_curl_getinfo_double(CURL *h, CURLINFO info, double *value) {
    return curl_easy_getinfo(h, info, value);
}
static inline CURLcode herald_curl_getinfo_off(CURL *h, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(h, info, value);
}
static inline CURLcode herald_curl_getinfo_string(CURL *h, CURLINFO info, char **value) {
    return curl_easy_getinfo(h, info, value);
}

/* CURL_GLOBAL_ALL is a macro built from other macros. */
static inline CURLcode herald_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }

/* Size of the buffer CURLOPT_ERRORBUFFER needs. */
static inline size_t herald_curl_error_size(void) { return CURL_ERROR_SIZE; }

#endif
