#ifndef HERALD_CBENCHEPOLL_SHIM_H
#define HERALD_CBENCHEPOLL_SHIM_H

/* epoll is not part of Swift's Glibc module: the idle benchmark's server parks its connections with it. */
#include <sys/epoll.h>

#endif
