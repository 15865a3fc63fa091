/* tests/unit/test_decide.c — decide() against the promises of the three
 * example policies (each case quotes the promise it checks), and an
 * exhaustive comparison with a slow, obviously-correct reference evaluator
 * written here from the documented rules, over every role x purpose x
 * category x subject state of the AmberScript policy. */
#include "decide/decide.h"
#include "test_support.h"

static struct policy *amber, *ambsonic, *amper;

static struct policy *load(const char *path)
{
	struct policy_diags d = {0};
	struct policy *p = NULL;
	vow_err err = policy_load_file(path, &p, &d);
	policy_diags_free(&d);
	return err == VOW_OK ? p : NULL;
}

static int setup(void **state)
{
	(void)state;
	amber = load("examples/policies/amberscript.yaml");
	ambsonic = load("examples/policies/ambsonic.yaml");
	amper = load("examples/policies/amper.yaml");
	return amber && ambsonic && amper ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	policy_free(&amber);
	policy_free(&ambsonic);
	policy_free(&amper);
	return 0;
}

/* A subject state with room for per-purpose consent and bitsets. */
struct subj {
	struct decide_subject s;
	uint8_t consent[4096];
	uint64_t objections[64], restricted[64];
};

static void subj_init(struct subj *x, const char *region)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->s.region, sizeof(x->s.region), "%s", region);
	x->s.consent = x->consent;
	x->s.objections = x->objections;
	x->s.restricted_categories = x->restricted;
}

static uint32_t P(const struct policy *p, const char *key)
{
	uint32_t i = policy_purpose_find(p, key);
	if (i == POLICY_NONE)
		fail_msg("no purpose %s", key);
	return i;
}

static uint32_t C(const struct policy *p, const char *key)
{
	uint32_t i = policy_category_find(p, key);
	if (i == POLICY_NONE)
		fail_msg("no category %s", key);
	return i;
}

static uint32_t R(const struct policy *p, const char *key)
{
	uint32_t i = policy_role_find(p, key);
	if (i == POLICY_NONE)
		fail_msg("no role %s", key);
	return i;
}

static enum decide_reason ask(const struct policy *p, const char *role, bool assigned,
                              const struct subj *x, const char *purpose, const char *category,
                              const char *recipient, const char *attr)
{
	struct decide_actor a = {R(p, role), assigned};
	struct decide_request q = {P(p, purpose), C(p, category),
	                           recipient ? policy_recipient_find(p, recipient) : POLICY_NONE,
	                           attr, false, OP_READ};
	struct decide_result r = decide(p, &a, &x->s, &q);
	assert_int_equal(r.allow, r.reason == DECIDE_ALLOWED);
	return r.reason;
}

#define EXPECT(promise, got, want)                                                                 \
	do {                                                                                       \
		enum decide_reason g_ = (got);                                                     \
		if (g_ != (want))                                                                  \
			fail_msg("%s: got %s, want %s", promise, decide_reason_code(g_),           \
			         decide_reason_code(want));                                        \
	} while (0)

/* ---- AmberScript ---- */

static void test_amberscript(void **state)
{
	(void)state;
	struct policy *p = amber;
	struct subj x;
	subj_init(&x, "NL");
	const char *ht = "essential.service.human_transcription";
	EXPECT("\"only accessible to transcribers working on that particular transcription\" "
	       "(assigned)",
	       ask(p, "transcriber", true, &x, ht, "user.content.transcript", NULL, NULL),
	       DECIDE_ALLOWED);
	EXPECT("\"only accessible to transcribers working on that particular transcription\" (not "
	       "assigned)",
	       ask(p, "transcriber", false, &x, ht, "user.content.transcript", NULL, NULL),
	       DECIDE_NO_ASSIGNMENT);
	EXPECT("\"not to AmberScript personnel\": support staff cannot read transcripts",
	       ask(p, "support", false, &x, ht, "user.content.transcript", NULL, NULL),
	       DECIDE_ROLE_NOT_ALLOWED);
	EXPECT("\"not to AmberScript personnel\": support cannot use the service purpose",
	       ask(p, "support", false, &x, "essential.service", "user.content.audio", NULL, NULL),
	       DECIDE_ROLE_NOT_ALLOWED);
	EXPECT("a transcriber may not read the e-mail address",
	       ask(p, "transcriber", true, &x, ht, "user.contact.email", NULL, NULL),
	       DECIDE_CATEGORY_NOT_IN_PURPOSE);
	EXPECT("\"only processed automatically\": training is allowed for the service",
	       ask(p, "service", false, &x, "train_ai_system", "user.content.audio", NULL, NULL),
	       DECIDE_ALLOWED);
	EXPECT("\"only processed automatically\": no staff role trains on audio",
	       ask(p, "transcriber", true, &x, "train_ai_system", "user.content.audio", NULL, NULL),
	       DECIDE_ROLE_NOT_ALLOWED);
	decide_bit_set(x.objections, P(p, "train_ai_system"));
	EXPECT("\"indicate at any time that your audio ... should not be used to improve\"",
	       ask(p, "service", false, &x, "train_ai_system", "user.content.audio", NULL, NULL),
	       DECIDE_OBJECTION);
	EXPECT("the objection to training does not stop the service itself",
	       ask(p, "service", false, &x, "essential.service", "user.content.audio", NULL, NULL),
	       DECIDE_ALLOWED);
	subj_init(&x, "NL");
	x.consent[P(p, "marketing.communications.email.newsletter")] = CONSENT_GIVEN;
	EXPECT("newsletter to a subscriber who signed up",
	       ask(p, "service", false, &x, "marketing.communications.email.newsletter",
	           "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
	x.consent[P(p, "marketing.communications.email.newsletter")] = CONSENT_WITHDRAWN;
	EXPECT(
	    "\"unsubscribe from receiving future newsletters\": the e-mail address is not released",
	    ask(p, "service", false, &x, "marketing.communications.email.newsletter",
	        "user.contact.email", NULL, NULL),
	    DECIDE_CONSENT_WITHDRAWN);
	decide_bit_set(x.objections, P(p, "marketing.communications.email"));
	EXPECT("\"object to this at any time via the unsubscribe link\" (customer newsletter)",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_OBJECTION);
	subj_init(&x, "NL");
	EXPECT("\"AmberScript will only use Google Analytics with your permission\"",
	       ask(p, "service", false, &x, "analytics.reporting", "user.device",
	           "google_analytics", NULL),
	       DECIDE_NO_CONSENT);
	x.consent[P(p, "analytics.reporting")] = CONSENT_GIVEN;
	EXPECT("analytics with permission goes to Google",
	       ask(p, "service", false, &x, "analytics.reporting", "user.device",
	           "google_analytics", NULL),
	       DECIDE_ALLOWED);
	EXPECT("Google never receives the audio",
	       ask(p, "service", false, &x, "essential.service", "user.content.audio",
	           "google_analytics", NULL),
	       DECIDE_RECIPIENT_NOT_ALLOWED);
	EXPECT(
	    "\"no chance that audio ... in the Dutch language will leave the European continent\"",
	    ask(p, "service", false, &x, ht, "user.content.audio", "transcription_partners_intl",
	        "nl"),
	    DECIDE_REGION_NOT_ALLOWED);
	EXPECT("Dutch audio may go to the European partner",
	       ask(p, "service", false, &x, ht, "user.content.audio", "transcription_partners_eu",
	           "nl"),
	       DECIDE_ALLOWED);
	EXPECT("\"for languages other than Dutch ... processed at locations outside of Europe\"",
	       ask(p, "service", false, &x, ht, "user.content.audio", "transcription_partners_intl",
	           "en"),
	       DECIDE_ALLOWED);
	/* Dutch however the tag is written: by its primary subtag, in any case */
	static const char *const dutch[] = {"NL", "Nl", "nl-NL", "nl-BE", "nl_BE", "NL-nl"};
	for (size_t i = 0; i < sizeof(dutch) / sizeof(dutch[0]); i++)
		EXPECT("Dutch written another way stays in Europe",
		       ask(p, "service", false, &x, ht, "user.content.audio",
		           "transcription_partners_intl", dutch[i]),
		       DECIDE_REGION_NOT_ALLOWED);
	EXPECT("English of Britain is not Dutch",
	       ask(p, "service", false, &x, ht, "user.content.audio", "transcription_partners_intl",
	           "en-GB"),
	       DECIDE_ALLOWED);
	EXPECT("content of unknown language is held to the stricter rule",
	       ask(p, "service", false, &x, ht, "user.content.audio", "transcription_partners_intl",
	           NULL),
	       DECIDE_REGION_NOT_ALLOWED);
	EXPECT("\"never sold\": the partners receive content only for transcription",
	       ask(p, "service", false, &x, "train_ai_system", "user.content.audio",
	           "transcription_partners_eu", "en"),
	       DECIDE_RECIPIENT_NOT_ALLOWED);
	x.s.gpc = true;
	x.consent[P(p, "marketing.advertising.third_party.targeted")] = CONSENT_NONE;
	EXPECT("a GPC signal opts out of third-party targeted advertising",
	       ask(p, "service", false, &x, "marketing.advertising.third_party.targeted",
	           "user.device", NULL, NULL),
	       DECIDE_NO_CONSENT);
	x.consent[P(p, "marketing.advertising.third_party.targeted")] = CONSENT_GIVEN;
	EXPECT("an explicit opt-in against the person's own GPC signal counts",
	       ask(p, "service", false, &x, "marketing.advertising.third_party.targeted",
	           "user.device", NULL, NULL),
	       DECIDE_ALLOWED);
	/* restriction: storage and legal claims only */
	subj_init(&x, "NL");
	x.s.restricted = true;
	EXPECT("\"limit the processing\": restricted data is not used for the service",
	       ask(p, "service", false, &x, "essential.service", "user.contact.email", NULL, NULL),
	       DECIDE_RESTRICTED);
	EXPECT("restricted data still serves legal obligations",
	       ask(p, "service", false, &x, "essential.legal_obligation.tax",
	           "user.financial.invoice", NULL, NULL),
	       DECIDE_ALLOWED);
	subj_init(&x, "NL");
	decide_bit_set(x.restricted, C(p, "user.workplace"));
	EXPECT("a restriction of one category leaves the others",
	       ask(p, "service", false, &x, "essential.service.account", "user.contact.email", NULL,
	           NULL),
	       DECIDE_ALLOWED);
	EXPECT(
	    "a restriction of one category holds for it",
	    ask(p, "service", false, &x, "essential.service.account", "user.workplace", NULL, NULL),
	    DECIDE_RESTRICTED);
	/* account deletion */
	subj_init(&x, "NL");
	x.s.status = SUBJECT_STATE_CLOSED;
	EXPECT("closed account: no more service",
	       ask(p, "service", false, &x, "essential.service", "user.content.audio", NULL, NULL),
	       DECIDE_ACCOUNT_CLOSED);
	x.s.status = SUBJECT_STATE_ERASED;
	EXPECT("\"all your data is immediately removed\"",
	       ask(p, "service", false, &x, "essential.service", "user.content.audio", NULL, NULL),
	       DECIDE_SUBJECT_ERASED);
	/* legal hold: tax records after erasure, for tax only */
	struct decide_actor fin = {R(p, "finance_team"), false};
	struct decide_request held = {P(p, "essential.legal_obligation.tax"),
	                              C(p, "user.financial.invoice"), POLICY_NONE, NULL, true,
	                              OP_READ};
	assert_true(decide(p, &fin, &x.s, &held).allow);
	held.purpose = P(p, "third_party_sharing.legal_obligation");
	struct decide_actor dpo = {R(p, "dpo"), false};
	assert_true(decide(p, &dpo, &x.s, &held).allow);
	held.purpose = P(p, "essential.service");
	struct decide_actor svc = {R(p, "service"), false};
	held.category = C(p, "user.contact.email");
	assert_int_equal(decide(p, &svc, &x.s, &held).reason, DECIDE_LEGAL_HOLD);
	/* age */
	subj_init(&x, "NL");
	x.s.minor = true;
	EXPECT("under 16 without a parent's consent",
	       ask(p, "service", false, &x, "essential.service", "user.content.audio", NULL, NULL),
	       DECIDE_UNDER_MINIMUM_AGE);
	x.s.parental_consent = true;
	EXPECT("under 16 with a parent's consent",
	       ask(p, "service", false, &x, "essential.service", "user.content.audio", NULL, NULL),
	       DECIDE_ALLOWED);
}

/* ---- Amper ---- */

static void test_amper(void **state)
{
	(void)state;
	struct policy *p = amper;
	struct subj x;
	subj_init(&x, "DE");
	EXPECT("\"where required by law, we will only send you such emails if you consent\" (EU, "
	       "no consent)",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_NO_CONSENT);
	x.consent[P(p, "marketing.communications.email")] = CONSENT_GIVEN;
	EXPECT("EU user who consented",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_ALLOWED);
	subj_init(&x, "US");
	EXPECT("US user: marketing on legitimate interest without consent",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_ALLOWED);
	decide_bit_set(x.objections, P(p, "marketing.communications.email"));
	EXPECT("\"You may opt out of receiving emails\"",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_OBJECTION);
	EXPECT("\"we will continue to contact you regarding our Site and Services\"",
	       ask(p, "service", false, &x, "essential.service", "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
	subj_init(&x, "GB");
	EXPECT("the EU section covers the United Kingdom",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_NO_CONSENT);
	subj_init(&x, "US");
	x.s.minor = true;
	EXPECT("\"not directed to children who are under the age of 13\": under-13s refused",
	       ask(p, "service", false, &x, "essential.service", "user.contact.email", NULL, NULL),
	       DECIDE_UNDER_MINIMUM_AGE);
	x.s.parental_consent = true;
	EXPECT("no parental-consent route in Amper's policy is declared, but the flag is honoured "
	       "by decide",
	       ask(p, "service", false, &x, "essential.service", "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
	subj_init(&x, "US");
	x.s.dnt = true;
	x.s.gpc = true;
	x.consent[P(p, "analytics.reporting")] = CONSENT_GIVEN;
	EXPECT("\"does not respond to Do Not Track\"",
	       ask(p, "service", false, &x, "analytics.reporting", "user.device",
	           "google_analytics", NULL),
	       DECIDE_ALLOWED);
	EXPECT("payment card data goes to the payment processors",
	       ask(p, "service", false, &x, "essential.service.payment_processing",
	           "user.financial.credit_card", "payments", NULL),
	       DECIDE_ALLOWED);
	EXPECT("SendGrid gets no card data",
	       ask(p, "service", false, &x, "marketing.communications.email",
	           "user.financial.credit_card", "sendgrid", NULL),
	       DECIDE_CATEGORY_NOT_IN_PURPOSE);
}

/* ---- Ambsonic ---- */

static void test_ambsonic(void **state)
{
	(void)state;
	struct policy *p = ambsonic;
	struct subj x;
	subj_init(&x, "EE");
	x.s.status = SUBJECT_STATE_CLOSED;
	EXPECT("\"Billing, tax, and transaction records may be kept for longer where the law "
	       "requires it\"",
	       ask(p, "finance_team", false, &x, "essential.legal_obligation.tax",
	           "user.financial.invoice", NULL, NULL),
	       DECIDE_ALLOWED);
	EXPECT("closed account: billing records no longer serve billing",
	       ask(p, "finance_team", false, &x, "essential.service.payment_processing",
	           "user.financial.invoice", NULL, NULL),
	       DECIDE_ACCOUNT_CLOSED);
	subj_init(&x, "EE");
	x.consent[P(p, "marketing.communications.email")] = CONSENT_GIVEN;
	EXPECT("billing records are never used for marketing",
	       ask(p, "service", false, &x, "marketing.communications.email",
	           "user.financial.invoice", NULL, NULL),
	       DECIDE_CATEGORY_NOT_IN_PURPOSE);
	x.consent[P(p, "marketing.communications.email")] = CONSENT_NONE;
	EXPECT("\"send marketing messages where we rely on consent\"",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_NO_CONSENT);
	EXPECT("\"We do not sell personal data\": advisers get data only for legal claims and tax",
	       ask(p, "dpo", false, &x, "essential.legal_claims", "user.contact.email", "advisers",
	           NULL),
	       DECIDE_ALLOWED);
	EXPECT("support staff may not do sales follow-up",
	       ask(p, "support", false, &x, "sales", "user.contact.email", NULL, NULL),
	       DECIDE_ROLE_NOT_ALLOWED);
	x.s.restricted = true;
	EXPECT("restricted: legal claims still allowed",
	       ask(p, "dpo", false, &x, "essential.legal_claims", "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
}

/* ---- exhaustive comparison with a reference evaluator ---- */

/* The reference: string keys and linear scans over the policy's own lists,
 * the rules written out in the documented order. */
static bool list_has_key(const struct policy *p, struct policy_idx_list l, const char *key,
                         const char *(*name)(const struct policy *, uint32_t))
{
	for (uint32_t i = 0; i < l.n; i++)
		if (strcmp(name(p, l.v[i]), key) == 0)
			return true;
	return false;
}
static const char *cat_name(const struct policy *p, uint32_t i)
{
	return p->categories[i].key;
}
static const char *role_name(const struct policy *p, uint32_t i)
{
	return p->roles[i].key;
}
static const char *pur_name(const struct policy *p, uint32_t i)
{
	return p->purposes[i].key;
}

struct ref_state {
	int status;        /* 0 active 1 closed 2 erased */
	int restrict_mode; /* 0 none, 1 all, 2 this category */
	bool objected, minor, parental, gpc, assigned, held, dnt;
	int consent;
};

static enum decide_reason reference(const struct policy *p, const char *role, const char *purpose,
                                    const char *category, const char *recipient, const char *region,
                                    const struct ref_state *st)
{
	const struct policy_purpose *u = &p->purposes[0];
	for (uint32_t i = 0; i < p->n_purposes; i++)
		if (strcmp(p->purposes[i].key, purpose) == 0)
			u = &p->purposes[i];
	const struct policy_role *r = &p->roles[0];
	for (uint32_t i = 0; i < p->n_roles; i++)
		if (strcmp(p->roles[i].key, role) == 0)
			r = &p->roles[i];
	if (st->status == 2 && !st->held)
		return DECIDE_SUBJECT_ERASED;
	if (!list_has_key(p, u->categories, category, cat_name))
		return DECIDE_CATEGORY_NOT_IN_PURPOSE;
	if (!list_has_key(p, u->roles, role, role_name))
		return DECIDE_ROLE_NOT_ALLOWED;
	if (r->categories.n > 0 && !list_has_key(p, r->categories, category, cat_name))
		return DECIDE_ROLE_NOT_ALLOWED;
	if (r->assigned_only && !st->assigned)
		return DECIDE_NO_ASSIGNMENT;
	bool legal = u->basis == BASIS_LEGAL_OBLIGATION ||
	             strncmp(u->key, "essential.legal_claims", 22) == 0;
	if (st->held && u->basis != BASIS_LEGAL_OBLIGATION)
		return DECIDE_LEGAL_HOLD;
	if (st->status == 1 && !legal)
		return DECIDE_ACCOUNT_CLOSED;
	if (st->restrict_mode != 0 && !legal)
		return DECIDE_RESTRICTED;
	if (st->minor && !st->parental && !legal)
		return DECIDE_UNDER_MINIMUM_AGE;
	bool needs = u->basis == BASIS_CONSENT;
	if (u->consent_in.n > 0 && region[0] == '\0')
		needs = true; /* an unknown region counts as covered */
	for (uint32_t i = 0; i < u->consent_in.n; i++)
		if (region_contains(u->consent_in.v[i], region))
			needs = true;
	if (needs && st->consent == CONSENT_WITHDRAWN)
		return DECIDE_CONSENT_WITHDRAWN;
	if (needs && st->consent != CONSENT_GIVEN)
		return DECIDE_NO_CONSENT;
	if (st->objected && (u->objection || u->direct_marketing))
		return DECIDE_OBJECTION;
	if (u->optout != 0 && st->consent != CONSENT_GIVEN &&
	    ((st->gpc && p->gpc == SIGNAL_HONOR) ||
	     (st->dnt && p->dnt == SIGNAL_HONOR && (u->optout & OPTOUT_TARGETED_ADVERTISING))))
		return DECIDE_GPC_OPT_OUT;
	if (recipient == NULL)
		return DECIDE_ALLOWED;
	const struct policy_recipient *rc = &p->recipients[0];
	for (uint32_t i = 0; i < p->n_recipients; i++)
		if (strcmp(p->recipients[i].key, recipient) == 0)
			rc = &p->recipients[i];
	if (!list_has_key(p, rc->purposes, purpose, pur_name) ||
	    !list_has_key(p, rc->categories, category, cat_name))
		return DECIDE_RECIPIENT_NOT_ALLOWED;
	for (uint32_t i = 0; i < p->n_residency; i++) {
		const struct policy_residency *res = &p->residency[i];
		/* the sweep below passes no attribute: a rule for one value of
		 * an attribute binds data whose value is unknown (the stricter) */
		if (res->send.n == 0 || !list_has_key(p, res->categories, category, cat_name))
			continue;
		bool ok = false;
		for (uint32_t k = 0; k < res->send.n; k++)
			ok |= region_contains(res->send.v[k], rc->country);
		if (!ok)
			return DECIDE_REGION_NOT_ALLOWED;
	}
	if (rc->transfer == TRANSFER_NONE && !region_contains("ADEQUATE", rc->country) &&
	    (region[0] == '\0' || region_contains("EEA", region)))
		return DECIDE_REGION_NOT_ALLOWED;
	return DECIDE_ALLOWED;
}

static void sweep(const struct policy *p, const char *region, bool with_recipients, size_t *count)
{
	struct subj x;
	for (uint32_t role = 0; role < p->n_roles; role++)
		for (uint32_t u = 0; u < p->n_purposes; u++)
			for (uint32_t c = 0; c < p->n_categories; c++)
				for (uint32_t rcp = 0;
				     rcp <= (with_recipients ? p->n_recipients : 0); rcp++)
					for (int bits = 0; bits < 3 * 3 * 4 * 64; bits++) {
						struct ref_state st = {
						    .status = bits % 3,
						    .restrict_mode = (bits / 3) % 3,
						    .consent = (bits / 9) % 4,
						    .objected = (bits / 36) & 1,
						    .minor = (bits / 72) & 1,
						    .parental = (bits / 144) & 1,
						    .gpc = (bits / 288) & 1,
						    .assigned = (bits / 576) & 1,
						    .held = (bits / 1152) & 1,
						};
						if (bits >= 3 * 3 * 4 * 64)
							break;
						subj_init(&x, region);
						x.s.status = (enum decide_status)st.status;
						x.s.restricted = st.restrict_mode == 1;
						if (st.restrict_mode == 2)
							decide_bit_set(x.restricted, c);
						x.consent[u] = (uint8_t)st.consent;
						if (st.objected)
							decide_bit_set(x.objections, u);
						x.s.minor = st.minor;
						x.s.parental_consent = st.parental;
						x.s.gpc = st.gpc;
						uint32_t recipient =
						    rcp < p->n_recipients && with_recipients
						        ? rcp
						        : POLICY_NONE;
						struct decide_actor a = {role, st.assigned};
						struct decide_request q = {u, c, recipient, NULL,
						                           st.held, OP_READ};
						struct decide_result got = decide(p, &a, &x.s, &q);
						enum decide_reason want = reference(
						    p, p->roles[role].key, p->purposes[u].key,
						    p->categories[c].key,
						    recipient == POLICY_NONE
						        ? NULL
						        : p->recipients[recipient].key,
						    region, &st);
						if (got.reason != want ||
						    got.allow != (want == DECIDE_ALLOWED))
							fail_msg("%s %s %s rcp=%u state=%d: decide "
							         "says %s, reference %s",
							         p->roles[role].key,
							         p->purposes[u].key,
							         p->categories[c].key, rcp, bits,
							         decide_reason_code(got.reason),
							         decide_reason_code(want));
						(*count)++;
					}
}

static void test_exhaustive_amberscript(void **state)
{
	(void)state;
	size_t n = 0;
	/* every role x purpose x category x state, no recipient: NL and US subjects */
	sweep(amber, "NL", false, &n);
	sweep(amber, "US", false, &n);
	assert_true(n > 1000000);
	print_message("compared %zu decisions with the reference\n", n);
}

static void test_exhaustive_recipients(void **state)
{
	(void)state;
	/* with every recipient, on the smaller Amper policy (consent_in regions) */
	size_t n = 0;
	sweep(amper, "DE", true, &n);
	assert_true(n > 100000);
}

static void test_unknowns(void **state)
{
	(void)state;
	struct subj x;
	subj_init(&x, "NL");
	struct decide_actor a = {0, false};
	struct decide_request q = {POLICY_NONE, 0, POLICY_NONE, NULL, false, OP_READ};
	assert_int_equal(decide(amber, &a, &x.s, &q).reason, DECIDE_UNKNOWN_PURPOSE);
	q.purpose = 0;
	q.category = POLICY_NONE;
	assert_int_equal(decide(amber, &a, &x.s, &q).reason, DECIDE_UNKNOWN_CATEGORY);
	q.category = 0;
	a.role = 999;
	assert_int_equal(decide(amber, &a, &x.s, &q).reason, DECIDE_UNKNOWN_ROLE);
	for (int r = 0; r < DECIDE__COUNT; r++) {
		assert_non_null(decide_reason_code((enum decide_reason)r));
		assert_non_null(decide_reason_message((enum decide_reason)r));
	}
	assert_string_equal(decide_reason_code(DECIDE_NO_CONSENT), "no_consent");
}

/* "an unknown region counts as covered": a purpose that needs consent in
 * some regions needs it from a person whose region vow does not know */
static void test_unknown_region(void **state)
{
	(void)state;
	struct policy *p = amper;
	struct subj x;
	subj_init(&x, "");
	EXPECT("marketing e-mail to a person of unknown region, who never consented",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_NO_CONSENT);
	x.consent[P(p, "marketing.communications.email")] = CONSENT_GIVEN;
	EXPECT("... who consented",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_ALLOWED);
	x.consent[P(p, "marketing.communications.email")] = CONSENT_WITHDRAWN;
	EXPECT("... who withdrew",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_CONSENT_WITHDRAWN);
	subj_init(&x, "BR");
	EXPECT("a known region outside consent_in keeps the purpose's own basis",
	       ask(p, "service", false, &x, "marketing.communications.email", "user.contact.email",
	           NULL, NULL),
	       DECIDE_ALLOWED);
}


/* GPC and DNT, every role x purpose x category x consent state x signal,
 * against the reference. None of the example policies lets a browser signal
 * decide (their only opt-out purpose needs consent anyway), so a copy of
 * AmberScript also honours DNT and gives two legitimate-interest purposes
 * opt-outs: profiling (targeted advertising) and surveys (sharing only). */
/* The reference over every role x purpose x category (x recipient) x
 * consent state x browser signal, for a subject of region (the other
 * facts clear): cheaper than sweep(), for the rules these facts decide. */
static void signal_sweep(const struct policy *p, const char *region, bool with_recipients,
                         size_t *count)
{
	struct subj x;
	for (uint32_t role = 0; role < p->n_roles; role++)
		for (uint32_t u = 0; u < p->n_purposes; u++)
			for (uint32_t c = 0; c < p->n_categories; c++)
				for (uint32_t rcp = 0;
				     rcp <= (with_recipients ? p->n_recipients : 0); rcp++)
					for (int bits = 0; bits < 16; bits++) {
						struct ref_state st = {.consent = bits % 4,
						                       .gpc = (bits / 4) & 1,
						                       .dnt = (bits / 8) & 1};
						subj_init(&x, region);
						x.consent[u] = (uint8_t)st.consent;
						x.s.gpc = st.gpc;
						x.s.dnt = st.dnt;
						uint32_t recipient =
						    with_recipients && rcp < p->n_recipients
						        ? rcp
						        : POLICY_NONE;
						struct decide_actor a = {role, false};
						struct decide_request q = {u, c, recipient, NULL, false, OP_READ};
						struct decide_result got = decide(p, &a, &x.s, &q);
						enum decide_reason want = reference(
						    p, p->roles[role].key, p->purposes[u].key,
						    p->categories[c].key,
						    recipient == POLICY_NONE
						        ? NULL
						        : p->recipients[recipient].key,
						    region, &st);
						if (got.reason != want)
							fail_msg("%s %s %s rcp=%u region='%s' consent=%d "
							         "gpc=%d dnt=%d: decide says %s, "
							         "reference %s",
							         p->roles[role].key,
							         p->purposes[u].key,
							         p->categories[c].key, rcp, region,
							         st.consent, st.gpc, st.dnt,
							         decide_reason_code(got.reason),
							         decide_reason_code(want));
						(*count)++;
					}
}

/* The reference with every recipient, over the regions consent_in names,
 * others inside and outside the EEA and an unknown one (Amper's marketing
 * needs consent in EEA, GB, CH); AmberScript, which has no consent_in, for
 * an unknown region too. */
static void test_exhaustive_regions(void **state)
{
	(void)state;
	static const char *const regions[] = {"", "US", "GB", "CH", "NO", "DE", "BR", "JP"};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		signal_sweep(amper, regions[i], true, &n);
	signal_sweep(amber, "", true, &n);
	assert_true(n > 100000);
}

/* text with its one occurrence of old replaced by new (text is taken). */
static char *replaced(char *text, const char *old, const char *new)
{
	char *at = strstr(text, old);
	assert_non_null(at);
	size_t head = (size_t)(at - text), len = strlen(text), o = strlen(old), n = strlen(new);
	char *out = malloc(len - o + n + 1);
	assert_non_null(out);
	memcpy(out, text, head);
	memcpy(out + head, new, n);
	memcpy(out + head + n, at + o, len - head - o + 1);
	free(text);
	return out;
}

static void test_browser_signals(void **state)
{
	(void)state;
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	text = replaced(text, "  dnt: ignore", "  dnt: honor");
	text = replaced(text, "  - key: personalize.content.profiling\n",
	                "  - key: personalize.content.profiling\n    opt_out: [targeted_advertising]\n");
	text = replaced(text, "  - key: research.surveys\n",
	                "  - key: research.surveys\n    opt_out: [sharing]\n");
	struct policy_diags d = {0};
	struct policy *signals = NULL;
	vow_err err = policy_load_buffer(text, strlen(text), &signals, &d);
	for (size_t i = 0; i < d.len; i++)
		print_message("%s\n", d.items[i].message);
	policy_diags_free(&d);
	free(text);
	assert_int_equal(err, VOW_OK);
	assert_int_equal(signals->dnt, SIGNAL_HONOR);
	size_t n = 0;
	signal_sweep(amber, "NL", false, &n);
	signal_sweep(signals, "NL", false, &n);
	assert_true(n > 10000);
	/* the cases, spelled out */
	const struct policy *p = signals;
	const char *prof = "personalize.content.profiling", *surv = "research.surveys";
	struct subj x;
	subj_init(&x, "NL");
	EXPECT("no signal", ask(p, "service", false, &x, prof, "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
	x.s.gpc = true;
	EXPECT("Sec-GPC: 1 opts out of profiling for targeted advertising",
	       ask(p, "service", false, &x, prof, "user.contact.email", NULL, NULL),
	       DECIDE_GPC_OPT_OUT);
	EXPECT("Sec-GPC: 1 opts out of sharing",
	       ask(p, "service", false, &x, surv, "user.contact.email", NULL, NULL),
	       DECIDE_GPC_OPT_OUT);
	x.consent[P(p, prof)] = CONSENT_GIVEN;
	EXPECT("unless the person opted in against it",
	       ask(p, "service", false, &x, prof, "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
	subj_init(&x, "NL");
	x.s.dnt = true;
	EXPECT("an honoured DNT opts out of targeted advertising",
	       ask(p, "service", false, &x, prof, "user.contact.email", NULL, NULL),
	       DECIDE_GPC_OPT_OUT);
	EXPECT("but not of sharing",
	       ask(p, "service", false, &x, surv, "user.contact.email", NULL, NULL),
	       DECIDE_ALLOWED);
	EXPECT("DNT is ignored where the policy says so (AmberScript itself)",
	       ask(amber, "service", false, &x, "research.surveys", "user.contact.email", NULL,
	           NULL),
	       DECIDE_ALLOWED);
	policy_free(&signals);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_amberscript),
	    cmocka_unit_test(test_amper),
	    cmocka_unit_test(test_ambsonic),
	    cmocka_unit_test(test_unknowns),
	    cmocka_unit_test(test_exhaustive_amberscript),
	    cmocka_unit_test(test_exhaustive_recipients),
	    cmocka_unit_test(test_unknown_region),
	    cmocka_unit_test(test_exhaustive_regions),
	    cmocka_unit_test(test_browser_signals),
	};
	return cmocka_run_group_tests_name("decide", tests, setup, teardown);
}
