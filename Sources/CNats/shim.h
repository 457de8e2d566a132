#ifndef HERALD_CNATS_SHIM_H
#define HERALD_CNATS_SHIM_H

/* nats.c, the official NATS client (Debian libnats-dev). */
#include <nats/nats.h>

#endif
