/*
 * herald-bench-floor: the C floors of herald-bench, run by it as child processes.
 *
 *   herald-bench-floor ingest PORT PATH FRAMES
 *       a bare libwebsockets client on ws://127.0.0.1:PORT/PATH: triggers the burst with POST /burst, counts
 *       FRAMES complete messages without looking at them, and prints one JSON line with its wall and CPU time.
 *   herald-bench-floor post PORT PATH COUNT
 *       COUNT sequential POSTs on one libcurl easy handle (keep-alive); prints one JSON line with the CPU time
 *       and every POST's duration in nanoseconds.
 */
#include <stdio.h>
#include <string.h>

#include "floor.h"

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "ingest") == 0) return floor_ingest(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "post") == 0) return floor_post(argc - 2, argv + 2);
    fprintf(stderr, "usage: herald-bench-floor ingest PORT PATH FRAMES | post PORT PATH COUNT\n");
    return 2;
}
