/* util/clock.c — the injectable clock and UTC calendar arithmetic. */
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t fixed_now = -1;

int64_t clock_now(void)
{
	if (fixed_now >= 0)
		return fixed_now;
	return (int64_t)time(NULL);
}

int64_t clock_real_now(void)
{
	return (int64_t)time(NULL);
}

void clock_set_fixed(int64_t t)
{
	fixed_now = t;
}
void clock_set_real(void)
{
	fixed_now = -1;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool date_parse(const char *s, int64_t *t)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return false;
	if (t != NULL)
		*t = days_from_civil(y, m, d) * 86400;
	return true;
}

bool time_parse(const char *s, int64_t *t)
{
	char date[11];
	size_t n = strlen(s);
	if (n != 10 && n != 20)
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	int64_t day = 0;
	if (!date_parse(date, &day))
		return false;
	int64_t secs = 0;
	if (n == 20) {
		const char *x = s + 10; /* "THH:MM:SSZ" */
		if (x[0] != 'T' || x[3] != ':' || x[6] != ':' || x[9] != 'Z')
			return false;
		int f[3];
		for (int i = 0; i < 3; i++) {
			const char *d = x + 1 + 3 * i;
			if (d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9')
				return false;
			f[i] = (d[0] - '0') * 10 + (d[1] - '0');
		}
		if (f[0] > 23 || f[1] > 59 || f[2] > 59)
			return false;
		secs = f[0] * 3600 + f[1] * 60 + f[2];
	}
	if (t != NULL)
		*t = day + secs;
	return true;
}

bool clock_parse_iso8601(const char *s, int64_t *t)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (n < 20 || n > 40 || s[10] != 'T')
		return false;
	char base[21];
	memcpy(base, s, 19);
	base[19] = 'Z';
	base[20] = '\0';
	int64_t at = 0;
	if (!time_parse(base, &at))
		return false;
	const char *p = s + 19;
	if (*p == '.') { /* fractions of a second: ignored */
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (p[0] == 'Z' && p[1] == '\0') {
		*t = at;
		return true;
	}
	if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || p[3] != ':')
		return false;
	for (int i = 1; i < 6; i++)
		if (i != 3 && (p[i] < '0' || p[i] > '9'))
			return false;
	int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
	if (hh > 23 || mm > 59)
		return false;
	int64_t off = (int64_t)hh * 3600 + mm * 60;
	*t = p[0] == '+' ? at - off : at + off;
	return true;
}

/* t moved by n days, weeks, months or years (n may be negative). */
static int64_t shift(int64_t t, int64_t n, int unit)
{
	if (unit == 0)
		return t + n * 86400;
	if (unit == 1)
		return t + n * 7 * 86400;
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL)
		return t;
	int64_t months = (int64_t)tm.tm_year * 12 + tm.tm_mon + (unit == 2 ? n : n * 12);
	int64_t y = 1900 + (months >= 0 ? months / 12 : (months - 11) / 12);
	int mo = (int)(months - (y - 1900) * 12) + 1;
	int d = tm.tm_mday;
	if (d > month_days((int)y, mo))
		d = month_days((int)y, mo);
	int64_t secs = (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return days_from_civil((int)y, mo, d) * 86400 + secs;
}

int64_t clock_add(int64_t t, uint32_t n, int unit)
{
	return shift(t, (int64_t)n, unit);
}

int64_t clock_sub(int64_t t, uint32_t n, int unit)
{
	return shift(t, -(int64_t)n, unit);
}

void clock_format(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, 21, "invalid");
		return;
	}
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_format_date(int64_t t, char out[11])
{
	char full[21];
	clock_format(t, full);
	memcpy(out, full, 10);
	out[10] = '\0';
}
