/* herald-bench-floor: the C floors herald-bench measures Herald against (see main.c). */
#ifndef HERALD_BENCH_FLOOR_H
#define HERALD_BENCH_FLOOR_H

/* Seconds on the monotonic clock. */
double floor_now(void);
/* CPU seconds of this process so far, user + system (getrusage). */
double floor_cpu(void);
/* This process's peak resident set (VmHWM in /proc/self/status), in KiB; -1 when unreadable. */
long floor_peak_rss_kib(void);
/* POSTs `body` to http://127.0.0.1:port/path on a fresh blocking socket and reads the status line;
   returns the status code, or -1. */
int floor_post_once(int port, const char *path, const char *body);

/* `ingest PORT PATH FRAMES`: see ingest.c. */
int floor_ingest(int argc, char **argv);
/* `post PORT PATH COUNT`: see post.c. */
int floor_post(int argc, char **argv);

#endif
