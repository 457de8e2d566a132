#ifndef HERALD_CPOSTGRES_SHIM_H
#define HERALD_CPOSTGRES_SHIM_H

/* libpq, PostgreSQL's official C client (Debian libpq-dev); pkg-config libpq gives -I/usr/include/postgresql.
   Every call Herald makes is non-variadic. */
#include <libpq-fe.h>

#endif
