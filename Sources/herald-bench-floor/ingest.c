/*
 * The ingest floor: libwebsockets alone, the library Herald receives WebSocket frames with. Connects, triggers the
 * burst once the upgrade is done (POST /burst, as the Python peer does), counts complete messages until it has
 * FRAMES of them, and prints {"frames","wall","cpu","peak_rss_kib"}: wall from just before the trigger to the last
 * frame, CPU from just before connecting (after the context is made, as the Python peer counts after its imports).
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"

struct state {
    int port;
    long wanted;
    long received;
    double started;
    double finished;
    int failed;
    int done;
};

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    (void)in;
    (void)len;
    struct state *s = (struct state *)lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        char body[64];
        snprintf(body, sizeof body, "{\"frames\":%ld}", s->wanted);
        s->started = floor_now();
        int status = floor_post_once(s->port, "/burst", body);
        if (status != 202) {
            fprintf(stderr, "herald-bench-floor: POST /burst answered %d\n", status);
            s->failed = 1;
            return -1;
        }
        break;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0 && ++s->received == s->wanted) {
            s->finished = floor_now();
            s->done = 1;
            return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "herald-bench-floor: cannot connect: %s\n", in ? (const char *)in : "?");
        s->failed = 1;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!s->done) s->failed = 1;
        break;
    default:
        break;
    }
    return 0;
}

int floor_ingest(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: herald-bench-floor ingest PORT PATH FRAMES\n");
        return 2;
    }
    struct state s = {.port = atoi(argv[0]), .wanted = atol(argv[2])};
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    struct lws_protocols protocols[] = {{"floor", callback, 0, 4096, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    info.user = &s;
    struct lws_context *context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "herald-bench-floor: lws_create_context failed\n");
        return 1;
    }
    struct lws_client_connect_info c;
    memset(&c, 0, sizeof c);
    c.context = context;
    c.address = "127.0.0.1";
    c.port = s.port;
    c.path = argv[1];
    c.host = "127.0.0.1";
    c.origin = "127.0.0.1";
    c.protocol = NULL;
    c.local_protocol_name = "floor";
    double cpu0 = floor_cpu();
    if (!lws_client_connect_via_info(&c)) {
        fprintf(stderr, "herald-bench-floor: lws_client_connect_via_info failed\n");
        lws_context_destroy(context);
        return 1;
    }
    while (!s.done && !s.failed) {
        if (lws_service(context, 0) < 0) break;
    }
    double cpu = floor_cpu() - cpu0;
    lws_context_destroy(context);
    if (!s.done) {
        fprintf(stderr, "herald-bench-floor: received %ld of %ld frames\n", s.received, s.wanted);
        return 1;
    }
    printf("{\"frames\":%ld,\"wall\":%.9f,\"cpu\":%.6f,\"peak_rss_kib\":%ld}\n", s.received, s.finished - s.started, cpu,
           floor_peak_rss_kib());
    return 0;
}
