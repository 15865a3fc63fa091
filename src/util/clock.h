/* util/clock.h — the injectable clock and calendar arithmetic (UTC). */
#ifndef VOW_UTIL_CLOCK_H
#define VOW_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds since the Unix epoch, UTC: the real clock, or the one set by
 * clock_set_fixed (tests, `--now` options). */
int64_t clock_now(void);

/* The real clock, whatever clock_set_fixed said: for scheduling work in
 * the world (an e-mail queued by a run `--now` in the future still goes
 * out now). */
int64_t clock_real_now(void);

/* Makes clock_now return t until clock_set_real. */
void clock_set_fixed(int64_t t);
void clock_set_real(void);

/* True for a real calendar date written YYYY-MM-DD (1900..9999). When it is
 * and t is not NULL, *t receives its midnight UTC. */
bool date_parse(const char *s, int64_t *t);

/* As date_parse, also accepting a UTC time "YYYY-MM-DDTHH:MM:SSZ". */
bool time_parse(const char *s, int64_t *t);

/* An ISO 8601 / RFC 3339 time with seconds: "YYYY-MM-DDTHH:MM:SS", then
 * optional fractions, then "Z" or an offset "+HH:MM"/"-HH:MM". */
bool clock_parse_iso8601(const char *s, int64_t *t);

/* t plus n days, weeks, months or years (unit 0..3), calendar-aware: a
 * month after 31 January is the last day of February. */
int64_t clock_add(int64_t t, uint32_t n, int unit);

/* t minus n days, weeks, months or years, calendar-aware like clock_add
 * (a month before 31 March is the last day of February). */
int64_t clock_sub(int64_t t, uint32_t n, int unit);

/* Writes t's date as "YYYY-MM-DD" (11 bytes with the NUL). */
void clock_format_date(int64_t t, char out[11]);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void clock_format(int64_t t, char out[21]);

#endif
