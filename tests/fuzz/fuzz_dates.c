/* tests/fuzz/fuzz_dates.c — libFuzzer target: the date, time and duration
 * parsers (util/clock.c date_parse, time_parse, clock_parse_iso8601;
 * policy_duration_parse) and the calendar arithmetic fed by them.
 *
 * The input is one string. Every parser reads it; what a parser accepts
 * must format back to the same text (dates and UTC times), and a duration
 * must lie within its documented bounds. When the input is "TIME|DURATION",
 * the time is moved by the duration both ways and formatted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "util/clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 256

static void check(bool ok, const char *what, const char *s)
{
	if (!ok) {
		fprintf(stderr, "fuzz_dates: %s: '%s'\n", what, s);
		abort();
	}
}

static void parse_all(const char *s)
{
	int64_t t = 0;
	char out[21];
	if (date_parse(s, &t)) {
		clock_format_date(t, out);
		check(strcmp(out, s) == 0, "date_parse does not round-trip", s);
		check(date_parse(s, NULL), "date_parse depends on its out-parameter", s);
	}
	if (time_parse(s, &t)) {
		clock_format(t, out);
		check(strncmp(out, s, strlen(s)) == 0, "time_parse does not round-trip", s);
	}
	if (clock_parse_iso8601(s, &t)) {
		clock_format(t, out);
		check(strcmp(out, "invalid") != 0, "clock_parse_iso8601 gave an unprintable time",
		      s);
	}
	struct policy_duration d = {0, UNIT_DAY};
	if (policy_duration_parse(s, &d)) {
		uint32_t lo = policy_duration_min_days(d), hi = policy_duration_max_days(d);
		check(d.n >= 1 && lo >= 1 && lo <= hi && hi <= 200u * 366u,
		      "policy_duration_parse accepted a duration out of bounds", s);
		check(policy_unit_name(d.unit) != NULL, "a duration without a unit name", s);
	}
}

/* "TIME|DURATION": the time moved by the duration, forward and back. */
static void shift(const char *when, const char *how)
{
	int64_t t = 0;
	struct policy_duration d = {0, UNIT_DAY};
	if (!time_parse(when, &t) || !policy_duration_parse(how, &d))
		return;
	char out[21];
	int64_t later = clock_add(t, d.n, (int)d.unit);
	int64_t earlier = clock_sub(t, d.n, (int)d.unit);
	check(later > t && earlier < t, "clock_add/clock_sub moved the wrong way", when);
	clock_format(later, out);
	clock_format(earlier, out);
	/* a shift by at least the shortest length and at most the longest */
	int64_t days = (later - t) / 86400;
	check(days >= policy_duration_min_days(d) && days <= policy_duration_max_days(d),
	      "clock_add moved by more or less than the duration", how);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	char *s = malloc(size + 1); /* exact size: ASan sees any read past it */
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	parse_all(s);
	char *bar = strchr(s, '|');
	if (bar != NULL) {
		*bar = '\0';
		shift(s, bar + 1);
	}
	free(s);
	return 0;
}
