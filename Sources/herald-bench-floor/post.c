/*
 * The POST floor: COUNT sequential POSTs of {"id":k} to http://127.0.0.1:PORT/PATH on one libcurl easy handle,
 * so one kept-alive connection (libcurl sets TCP_NODELAY). Each POST is timed around curl_easy_perform. Prints
 * {"cycles","cpu","peak_rss_kib","ns":[…]} on one line; herald-bench computes the percentiles.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "floor.h"

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

int floor_post(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: herald-bench-floor post PORT PATH COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
    if (count < 1) return 2;
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%s%s", argv[0], argv[1]);
    long long *ns = calloc((size_t)count, sizeof *ns);
    curl_global_init(CURL_GLOBAL_ALL);
    CURL *h = curl_easy_init();
    if (!h || !ns) return 1;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    double cpu0 = floor_cpu();
    char body[64];
    for (long k = 0; k < count; k++) {
        snprintf(body, sizeof body, "{\"id\":%ld}", k);
        curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body);
        double t0 = floor_now();
        CURLcode rc = curl_easy_perform(h);
        double t1 = floor_now();
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) {
            fprintf(stderr, "herald-bench-floor: POST %ld: %s, status %ld\n", k, curl_easy_strerror(rc), status);
            return 1;
        }
        ns[k] = (long long)((t1 - t0) * 1e9);
    }
    double cpu = floor_cpu() - cpu0;
    printf("{\"cycles\":%ld,\"cpu\":%.6f,\"peak_rss_kib\":%ld,\"ns\":[", count, cpu, floor_peak_rss_kib());
    for (long k = 0; k < count; k++) printf(k ? ",%lld" : "%lld", ns[k]);
    printf("]}\n");
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    free(ns);
    return 0;
}
