/* bench/decide_bench.c — in-process decisions per second on one core over a
 * realistic mix of the AmberScript policy, and allocations per decision,
 * counted by interposing malloc/calloc/realloc in this program. Baseline in
 * the same run: an empty loop body that only builds the same requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide/decide.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static unsigned long long allocations;

void *malloc(size_t n)
{
	allocations++;
	return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
	allocations++;
	return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
	allocations++;
	return __libc_realloc(p, n);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : "examples/policies/amberscript.yaml";
	struct policy_diags d = {0};
	struct policy *p = NULL;
	if (policy_load_file(file, &p, &d) != VOW_OK) {
		fprintf(stderr, "decide_bench: cannot load %s\n", file);
		return 1;
	}
	/* a mix: every purpose with each category it uses (allowed), some it
	 * does not (denied), every role, subjects with consents, objections,
	 * restrictions and GPC, some disclosures */
	enum { N = 4096 };
	static struct decide_request reqs[N];
	static struct decide_actor actors[N];
	static uint8_t consent[8][4096];
	static uint64_t objections[8][64], restricted[8][64];
	struct decide_subject subjects[8];
	uint32_t seed = 12345;
	for (int s = 0; s < 8; s++) {
		memset(&subjects[s], 0, sizeof(subjects[s]));
		memcpy(subjects[s].region, s % 3 ? "NL" : "US", 3);
		for (uint32_t u = 0; u < p->n_purposes; u++)
			consent[s][u] = (uint8_t)((u + (uint32_t)s) % 4);
		if (s % 4 == 1)
			decide_bit_set(objections[s], (uint32_t)s % p->n_purposes);
		if (s == 5)
			decide_bit_set(restricted[s], 3);
		subjects[s].consent = consent[s];
		subjects[s].objections = objections[s];
		subjects[s].restricted_categories = restricted[s];
		subjects[s].gpc = s % 2;
	}
	for (int i = 0; i < N; i++) {
		seed = seed * 1664525u + 1013904223u;
		uint32_t u = (seed >> 8) % p->n_purposes;
		const struct policy_purpose *pu = &p->purposes[u];
		uint32_t c = (seed >> 16) % 4 ? pu->categories.v[(seed >> 4) % pu->categories.n]
		                              : (seed >> 12) % p->n_categories;
		uint32_t role = (seed >> 20) % 5 ? pu->roles.v[(seed >> 2) % pu->roles.n]
		                                 : (seed >> 24) % p->n_roles;
		reqs[i] = (struct decide_request){
		    u, c, (seed >> 28) % 8 == 0 ? (seed >> 3) % p->n_recipients : POLICY_NONE,
		    (seed >> 27) & 1 ? "nl" : "en", false, OP_READ};
		actors[i] = (struct decide_actor){role, (seed >> 26) & 1};
	}
	const long rounds = 2000;
	unsigned long long allowed = 0;
	/* baseline: the same loop reading the requests, no decision */
	double t = now_s();
	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < N; i++)
			allowed += reqs[i].purpose + actors[i].role + (uint32_t)subjects[i & 7].gpc;
	double base = now_s() - t;
	unsigned long long before = allocations;
	t = now_s();
	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < N; i++)
			allowed += decide(p, &actors[i], &subjects[i & 7], &reqs[i]).allow;
	double secs = now_s() - t;
	unsigned long long allocs = allocations - before;
	double n = (double)rounds * N;
	printf("decide over %s: %.0f decisions in %.3f s = %.2f million/s on one core (%.1f ns "
	       "each)\n",
	       file, n, secs, n / secs / 1e6, secs / n * 1e9);
	printf("  allocations per decision: %.3f (%llu in all); loop baseline %.1f ns per item; "
	       "checksum %llu\n",
	       (double)allocs / n, allocs, base / n * 1e9, allowed);
	policy_free(&p);
	return 0;
}
