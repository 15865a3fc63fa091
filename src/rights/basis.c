/* rights/basis.c — which right applies on which legal basis, deadlines and
 * denial grounds. Pure. */
#include <string.h>

#include "rights/rights.h"
#include "util/clock.h"

static const char *const names[RIGHT__COUNT] = {
    [RIGHT_ACCESS] = "access",
    [RIGHT_PORTABILITY] = "portability",
    [RIGHT_RECTIFICATION] = "rectification",
    [RIGHT_ERASURE] = "erasure",
    [RIGHT_RESTRICTION] = "restriction",
    [RIGHT_RESTRICTION_LIFT] = "restriction_lift",
    [RIGHT_OBJECTION] = "objection",
    [RIGHT_WITHDRAWAL] = "withdrawal",
};

static const char *const articles[RIGHT__COUNT] = {
    [RIGHT_ACCESS] = "A15",    [RIGHT_PORTABILITY] = "A20", [RIGHT_RECTIFICATION] = "A16",
    [RIGHT_ERASURE] = "A17",   [RIGHT_RESTRICTION] = "A18", [RIGHT_RESTRICTION_LIFT] = "A18",
    [RIGHT_OBJECTION] = "A21", [RIGHT_WITHDRAWAL] = "A7-3",
};

const char *rights_type_name(enum rights_type t)
{
	return t < RIGHT__COUNT ? names[t] : "unknown";
}

const char *rights_type_article(enum rights_type t)
{
	return t < RIGHT__COUNT ? articles[t] : "";
}

bool rights_type_parse(const char *name, enum rights_type *out)
{
	for (int i = 0; name != NULL && i < RIGHT__COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum rights_type)i;
			return true;
		}
	return false;
}

#define R(t) (1u << (t))
#define ALWAYS                                                                                     \
	(R(RIGHT_ACCESS) | R(RIGHT_RECTIFICATION) | R(RIGHT_RESTRICTION) |                         \
	 R(RIGHT_RESTRICTION_LIFT))

/* Per legal basis (Art. 6(1)(a)-(f)), the rights that apply. */
static const unsigned by_basis[BASIS__COUNT] = {
    [BASIS_CONSENT] = ALWAYS | R(RIGHT_ERASURE) | R(RIGHT_PORTABILITY) | R(RIGHT_WITHDRAWAL),
    [BASIS_CONTRACT] = ALWAYS | R(RIGHT_ERASURE) | R(RIGHT_PORTABILITY),
    [BASIS_LEGAL_OBLIGATION] = ALWAYS,
    [BASIS_VITAL_INTEREST] = ALWAYS | R(RIGHT_ERASURE),
    [BASIS_PUBLIC_TASK] = ALWAYS | R(RIGHT_OBJECTION),
    [BASIS_LEGITIMATE_INTEREST] = ALWAYS | R(RIGHT_ERASURE) | R(RIGHT_OBJECTION),
};

bool rights_applies(enum rights_type t, enum policy_basis b, bool direct_marketing)
{
	if (t >= RIGHT__COUNT || b >= BASIS__COUNT)
		return false;
	if (t == RIGHT_OBJECTION && direct_marketing)
		return true; /* Art. 21(2)-(3): absolute, whatever the basis */
	return (by_basis[b] >> t) & 1u;
}

int64_t rights_deadline(int64_t received, int extension)
{
	if (extension < 0)
		extension = 0;
	return clock_add(received, 1u + (uint32_t)extension, UNIT_MONTH);
}

bool rights_ground_valid(enum rights_type t, const char *ground)
{
	static const char *const any[] = {"identity_not_verified", "manifestly_unfounded",
	                                  "excessive", "right_not_applicable"};
	static const char *const erasure[] = {"art17_3_a", "art17_3_b", "art17_3_c", "art17_3_d",
	                                      "art17_3_e"};
	if (ground == NULL || t >= RIGHT__COUNT)
		return false;
	for (size_t i = 0; i < sizeof(any) / sizeof(*any); i++)
		if (strcmp(ground, any[i]) == 0)
			return true;
	for (size_t i = 0; t == RIGHT_ERASURE && i < sizeof(erasure) / sizeof(*erasure); i++)
		if (strcmp(ground, erasure[i]) == 0)
			return true;
	return false;
}
