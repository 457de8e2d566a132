#ifndef HERALD_CHIREDIS_SHIM_H
#define HERALD_CHIREDIS_SHIM_H

/* hiredis, the official Redis C client (Debian libhiredis-dev). Found without pkg-config: hiredis.pc adds
   -D_FILE_OFFSET_BITS=64, which SwiftPM drops with a warning. redisCommand is variadic: use redisCommandArgv. */
#include <hiredis/hiredis.h>

#endif
