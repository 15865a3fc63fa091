/* http/metrics.c — counters for /metrics (Prometheus text format 0.0.4):
 * requests by route template and status, a latency histogram, decisions by
 * result and reason. No personal data: routes are templates, never paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

#define MAX_ROUTES 64
static const unsigned statuses[] = {200, 201, 204, 400, 401, 403, 404,
                                    405, 409, 413, 415, 422, 429, 500};
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]) + 1) /* + other */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5};
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static unsigned long long requests[MAX_ROUTES + 1][N_STATUS];
static unsigned long long latency[N_BUCKETS + 1];
static unsigned long long latency_count;
static double latency_sum;
static unsigned long long allowed;
static unsigned long long denied[DECIDE__COUNT];

void http_metrics_request(int route, unsigned status, double ms)
{
	size_t r = route >= 0 && route < MAX_ROUTES ? (size_t)route : MAX_ROUTES;
	size_t s = N_STATUS - 1;
	for (size_t i = 0; i < N_STATUS - 1; i++)
		if (statuses[i] == status)
			s = i;
	__atomic_add_fetch(&requests[r][s], 1, __ATOMIC_RELAXED);
	double secs = ms / 1000.0;
	size_t b = N_BUCKETS;
	for (size_t i = 0; i < N_BUCKETS; i++)
		if (secs <= buckets[i]) {
			b = i;
			break;
		}
	__atomic_add_fetch(&latency[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&latency_count, 1, __ATOMIC_RELAXED);
	/* the sum is a double: a lost update under a race only blurs the mean */
	latency_sum += secs;
}

void http_metrics_decision(bool allow, const char *reason)
{
	if (allow) {
		__atomic_add_fetch(&allowed, 1, __ATOMIC_RELAXED);
		return;
	}
	for (int i = 0; i < DECIDE__COUNT; i++)
		if (reason != NULL &&
		    strcmp(decide_reason_code((enum decide_reason)i), reason) == 0) {
			__atomic_add_fetch(&denied[i], 1, __ATOMIC_RELAXED);
			return;
		}
}

char *http_metrics_text(void)
{
	size_t cap = 65536, n = 0;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
#define EMIT(...)                                                                                  \
	do {                                                                                       \
		int w_ = snprintf(out + n, cap - n, __VA_ARGS__);                                  \
		if (w_ < 0 || (size_t)w_ >= cap - n) {                                             \
			free(out);                                                                 \
			return NULL;                                                               \
		}                                                                                  \
		n += (size_t)w_;                                                                   \
	} while (0)
	EMIT("# HELP vow_http_requests_total HTTP requests by route template and status.\n");
	EMIT("# TYPE vow_http_requests_total counter\n");
	for (size_t r = 0; r <= http_route_count && r <= MAX_ROUTES; r++)
		for (size_t s = 0; s < N_STATUS; s++) {
			unsigned long long v = __atomic_load_n(
			    &requests[r < http_route_count ? r : MAX_ROUTES][s], __ATOMIC_RELAXED);
			if (v == 0)
				continue;
			char status[8];
			if (s < N_STATUS - 1)
				snprintf(status, sizeof(status), "%u", statuses[s]);
			else
				snprintf(status, sizeof(status), "other");
			EMIT("vow_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} "
			     "%llu\n",
			     r < http_route_count ? http_route_table[r].method : "",
			     r < http_route_count ? http_route_table[r].pattern : "unmatched",
			     status, v);
		}
	EMIT("# HELP vow_http_request_duration_seconds Time to answer a request.\n");
	EMIT("# TYPE vow_http_request_duration_seconds histogram\n");
	unsigned long long cum = 0;
	for (size_t i = 0; i < N_BUCKETS; i++) {
		cum += __atomic_load_n(&latency[i], __ATOMIC_RELAXED);
		EMIT("vow_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[i], cum);
	}
	cum += __atomic_load_n(&latency[N_BUCKETS], __ATOMIC_RELAXED);
	EMIT("vow_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	EMIT("vow_http_request_duration_seconds_sum %.6f\n", latency_sum);
	EMIT("vow_http_request_duration_seconds_count %llu\n",
	     __atomic_load_n(&latency_count, __ATOMIC_RELAXED));
	EMIT("# HELP vow_decisions_total Access decisions by result and reason.\n");
	EMIT("# TYPE vow_decisions_total counter\n");
	EMIT("vow_decisions_total{result=\"allow\",reason=\"allowed\"} %llu\n",
	     __atomic_load_n(&allowed, __ATOMIC_RELAXED));
	for (int i = 1; i < DECIDE__COUNT; i++)
		EMIT("vow_decisions_total{result=\"deny\",reason=\"%s\"} %llu\n",
		     decide_reason_code((enum decide_reason)i),
		     __atomic_load_n(&denied[i], __ATOMIC_RELAXED));
#undef EMIT
	return out;
}
