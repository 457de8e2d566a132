#ifndef HERALD_CLIBWEBSOCKETS_SHIM_H
#define HERALD_CLIBWEBSOCKETS_SHIM_H

#include <libwebsockets.h>
#include <openssl/x509_vfy.h>
#include <string.h>

/* Macros that compute values are not imported into Swift: expose them as functions. */

/* Bytes of headroom lws_write() needs in front of the payload. */
static inline size_t herald_lws_pre(void) { return LWS_PRE; }

/* Vhost options for client connections over TLS: the vhost gets a client SSL_CTX, which loads the CA store. */
static inline uint64_t herald_lws_client_options(void) {
    return (uint64_t)LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
}

/*
 * Context options: OpenSSL initialised once, and no default vhost. A default vhost would get a client SSL_CTX, and
 * with it the whole system CA bundle parsed, for every context, even one that only ever dials ws://.
 */
static inline uint64_t herald_lws_context_options(void) {
    return (uint64_t)(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_EXPLICIT_VHOSTS);
}

/* The port value that makes a vhost client-only (no listening socket). */
static inline int herald_lws_no_listen_port(void) { return CONTEXT_PORT_NO_LISTEN; }

/* Connection flags for wss:// (verify=1) or wss:// without certificate checks (verify=0), or ws:// (tls=0). */
static inline int herald_lws_ssl_flags(int tls, int verify) {
    if (!tls) return 0;
    if (verify) return LCCSCF_USE_SSL;
    return LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
           LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
}

/* Kill a connection asynchronously (next service pass). Service thread only. */
static inline void herald_lws_kill(struct lws *wsi) {
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/*
 * In LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER, `in` is a char ** pointing at the next free byte of the
 * header buffer and `len` is the room left. Appends "name: value\r\n", advances the pointer and returns the
 * number of bytes written, or -1 when the header does not fit in `room`.
 */
static inline int herald_lws_append_header(void *in, size_t room, const char *name, const char *value) {
    char **p = (char **)in;
    size_t nl = strlen(name), vl = strlen(value);
    size_t need = nl + 2 + vl + 2;
    if (need > room) return -1;
    memcpy(*p, name, nl); *p += nl;
    memcpy(*p, ": ", 2); *p += 2;
    memcpy(*p, value, vl); *p += vl;
    memcpy(*p, "\r\n", 2); *p += 2;
    return (int)need;
}

/*
 * In LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION, `user` is the X509_STORE_CTX: clearing its error
 * accepts the certificate whatever was wrong with it (used only when the caller asked for insecure TLS).
 */
static inline void herald_lws_accept_certificate(void *x509_store_ctx) {
    X509_STORE_CTX_set_error((X509_STORE_CTX *)x509_store_ctx, X509_V_OK);
}

#endif
