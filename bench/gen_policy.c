/* bench/gen_policy.c — writes a valid synthetic policy of a given size to
 * stdout, for the `vow policy check` benchmark.
 * usage: gen_policy PURPOSES CATEGORIES RECIPIENTS */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: gen_policy PURPOSES CATEGORIES RECIPIENTS\n", stderr);
		return 2;
	}
	long np = atol(argv[1]), nc = atol(argv[2]), nr = atol(argv[3]);
	if (np < 2 || nc < 8 || nr < 1 || nr > np) {
		fputs("gen_policy: need PURPOSES >= 2, CATEGORIES >= 8, 1 <= RECIPIENTS <= "
		      "PURPOSES\n",
		      stderr);
		return 2;
	}
	printf("vow_policy: 1\nversion: \"bench\"\ndate: 2025-01-01\nregulations: [gdpr]\n"
	       "controller:\n  name: Bench B.V.\n  country: NL\n  email: dpo@bench.example\n");
	printf("taxonomy:\n  categories:\n    - key: user.gen\n");
	for (long i = 0; i < nc; i++)
		printf("    - key: user.gen.c%ld\n", i);
	printf("  purposes:\n    - key: essential.gen\n");
	for (long i = 0; i < np; i++)
		printf("    - key: essential.gen.p%ld\n", i);
	printf("categories:\n");
	for (long i = 0; i < nc; i++)
		printf("  - key: user.gen.c%ld\n    description: Generated category %ld.\n", i, i);
	printf("roles:\n  - key: service\n    kind: service\n  - key: staff\n    kind: staff\n"
	       "    purposes: [essential.gen.p0]\n");
	printf("purposes:\n");
	for (long i = 0; i < np; i++) {
		printf("  - key: essential.gen.p%ld\n    name: Purpose %ld\n", i, i);
		switch (i % 3) {
		case 0:
			printf("    basis: contract\n");
			break;
		case 1:
			printf("    basis: consent\n    withdraw_via: [privacy_center]\n");
			break;
		default:
			printf("    basis: legitimate_interest\n    legitimate_interest: Running "
			       "the business.\n");
			break;
		}
		printf("    categories: [");
		for (long k = 0; k < 5; k++)
			printf("%suser.gen.c%ld", k ? ", " : "", (i * 7 + k * 13) % nc);
		printf("]\n    roles: [service%s]\n", i == 0 ? ", staff" : "");
	}
	printf("recipients:\n");
	for (long j = 0; j < nr; j++) {
		long p = j * (np / nr);
		printf("  - key: r%ld\n    name: Recipient %ld\n    kind: processor\n", j, j);
		printf("    country: %s\n", j % 2 ? "US\n    transfer: scc" : "DE");
		printf("    purposes: [essential.gen.p%ld]\n", p);
		printf("    categories: [user.gen.c%ld, user.gen.c%ld]\n", (p * 7) % nc,
		       (p * 7 + 13) % nc);
	}
	printf("retention:\n");
	for (long i = 0; i < np; i += 10)
		printf(
		    "  - categories: [user.gen.c%ld]\n    period: 6 months\n    notice: 1 week\n",
		    i % nc);
	return 0;
}
