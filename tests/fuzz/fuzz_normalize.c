/* tests/fuzz/fuzz_normalize.c — libFuzzer target: e-mail and phone
 * normalisation for the blind index (vault_normalize).
 *
 * The input is one value, normalised as an e-mail and as a phone number.
 * What is accepted must be normal already: normalising it again gives the
 * same text; an e-mail has one '@', no upper case and nothing at or below
 * a space; a phone number is digits with at most a leading '+'. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what, const char *s)
{
	if (!ok) {
		fprintf(stderr, "fuzz_normalize: %s: '%s'\n", what, s);
		abort();
	}
}

static void email(const char *s)
{
	char out[VAULT_MAX_PROFILE_FIELD], again[VAULT_MAX_PROFILE_FIELD];
	if (vault_normalize(VAULT_BY_EMAIL, s, out, sizeof(out)) != VOW_OK)
		return;
	size_t ats = 0;
	for (const char *p = out; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		check(c > ' ' && c != 0x7f && !isupper(c), "an e-mail kept a blank or upper case",
		      out);
		ats += c == '@';
	}
	check(ats == 1, "an e-mail without exactly one '@'", out);
	check(vault_normalize(VAULT_BY_EMAIL, out, again, sizeof(again)) == VOW_OK &&
	          strcmp(out, again) == 0,
	      "a normalised e-mail does not normalise to itself", out);
}

static void phone(const char *s)
{
	char out[VAULT_MAX_PROFILE_FIELD], again[VAULT_MAX_PROFILE_FIELD];
	if (vault_normalize(VAULT_BY_PHONE, s, out, sizeof(out)) != VOW_OK)
		return;
	size_t digits = 0;
	for (const char *p = out; *p != '\0'; p++) {
		check((*p >= '0' && *p <= '9') || (*p == '+' && p == out),
		      "a phone number kept something else than digits", out);
		digits += *p != '+';
	}
	check(digits >= 6 && digits <= 15, "a phone number with the wrong number of digits", out);
	check(vault_normalize(VAULT_BY_PHONE, out, again, sizeof(again)) == VOW_OK &&
	          strcmp(out, again) == 0,
	      "a normalised phone number does not normalise to itself", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * VAULT_MAX_PROFILE_FIELD)
		return 0;
	char *s = malloc(size + 1); /* exact size: ASan sees any read past it */
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	email(s);
	phone(s);
	free(s);
	return 0;
}
