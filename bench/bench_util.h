/* bench/bench_util.h — helpers the benchmarks share (header-only). */
#ifndef VOW_BENCH_UTIL_H
#define VOW_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The benchmark's name, for messages (each program sets it). */
static const char *bench_name = "bench";

static inline double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static inline void die(const char *what, int code)
{
	fprintf(stderr, "%s: %s failed (%d)\n", bench_name, what, code);
	exit(1);
}

/* Runs fn in a child and returns its seconds and peak RSS (KiB). */
static inline double in_child(void (*fn)(void *), void *arg, long *rss_kb)
{
	double t = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("child", st);
	*rss_kb = ru.ru_maxrss;
	return now_s() - t;
}

#endif
