#ifndef HERALD_COPENSSL_SHIM_H
#define HERALD_COPENSSL_SHIM_H

/* OpenSSL's libcrypto (Debian libssl-dev): keys, EVP_DigestSign for RS256/ES256, EVP_MAC for HMAC, random bytes.
   The wrappers below stand where Swift cannot reach OpenSSL as it is: OSSL_PARAM lists are built with macros, and a
   PEM read with no passphrase callback would ask for one on the terminal. */
#include <stddef.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

/* HMAC-SHA256 of `data` with `key` into `out` (32 bytes), through EVP_MAC. Returns 1 on success, 0 otherwise. */
static inline int herald_hmac_sha256(const unsigned char *key, size_t key_len, const unsigned char *data, size_t data_len,
                                     unsigned char out[32]) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    int ok = 0;
    if (ctx != NULL) {
        char digest[] = "SHA256";
        OSSL_PARAM params[2];
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
        params[1] = OSSL_PARAM_construct_end();
        /* EVP_MAC_init refuses a NULL key even of length 0: an empty key is a valid HMAC key. */
        static const unsigned char empty[1] = {0};
        size_t written = 0;
        ok = EVP_MAC_init(ctx, key_len ? key : empty, key_len, params) == 1
            && EVP_MAC_update(ctx, data_len ? data : empty, data_len) == 1
            && EVP_MAC_final(ctx, out, &written, 32) == 1
            && written == 32;
        EVP_MAC_CTX_free(ctx);
    }
    EVP_MAC_free(mac);
    return ok;
}

/* A private key from PEM text, or NULL. An encrypted key fails instead of prompting for a passphrase (the empty
   passphrase is given). */
static inline EVP_PKEY *herald_pem_private_key(const char *pem, int len) {
    BIO *bio = BIO_new_mem_buf(pem, len);
    if (bio == NULL) return NULL;
    char none[] = "";
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, none);
    BIO_free(bio);
    return key;
}

/* A private key from DER bytes (PKCS#8, or the algorithm's own form), or NULL. */
static inline EVP_PKEY *herald_der_private_key(const unsigned char *der, long len) {
    const unsigned char *p = der;
    return d2i_AutoPrivateKey(NULL, &p, len);
}

/* The reason of OpenSSL's latest error, cleared from its queue, into `buf`; an empty string when there is none. */
static inline void herald_last_error(char *buf, size_t len) {
    unsigned long e = ERR_peek_last_error();
    if (len == 0) return;
    buf[0] = 0;
    if (e != 0) ERR_error_string_n(e, buf, len);
    ERR_clear_error();
}

#endif
