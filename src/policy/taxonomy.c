/* policy/taxonomy.c — vow's taxonomy of data categories, purposes and data
 * subjects. Where a key is also in the fideslang taxonomy it means the same
 * thing there (tests/unit/test_taxonomy.c checks kind and parent against the
 * published files); keys fideslang lacks are vow's own additions and are
 * listed in docs/taxonomy.md. A policy may add keys below these. */
#include <string.h>

#include "policy/policy.h"

#define C TAXONOMY_CATEGORY
#define P TAXONOMY_PURPOSE
#define S TAXONOMY_SUBJECT

static const struct taxonomy_entry taxonomy[] = {
    /* ---- data categories ---- */
    {"system", C, "System data", "Data the system creates and controls for itself."},
    {"system.authentication", C, "Authentication data",
     "Data the system uses to let people sign in."},
    {"system.operations", C, "Operational data", "Logs and metrics the system keeps to run."},
    {"user", C, "Personal data", "Data about a person, given by them or observed."},
    {"user.account", C, "Account", "The person's account with the service."},
    {"user.account.settings", C, "Account settings",
     "Preferences and configuration the person set."},
    {"user.account.username", C, "Username", "The name the person signs in with."},
    {"user.authorization", C, "Access credentials",
     "What proves the person may access the account."},
    {"user.authorization.credentials", C, "Credentials", "Passwords, tokens and similar secrets."},
    {"user.authorization.biometric", C, "Biometric credentials", "A body trait used to sign in."},
    {"user.authorization.password", C, "Password", "The person's password or its hash."},
    {"user.behavior", C, "Behaviour", "What the person does, as observed by the service."},
    {"user.behavior.browsing_history", C, "Browsing history",
     "Pages and content the person visited."},
    {"user.behavior.media_consumption", C, "Media use",
     "What the person played, watched or listened to."},
    {"user.behavior.purchase_history", C, "Purchases", "What the person bought."},
    {"user.behavior.search_history", C, "Searches", "What the person searched for."},
    {"user.biometric", C, "Biometrics", "Measurements of the person's body."},
    {"user.biometric.fingerprint", C, "Fingerprint", "A fingerprint or its template."},
    {"user.biometric.retinal", C, "Retina", "A retina or iris scan."},
    {"user.biometric.voice", C, "Voice print",
     "A recording or model of the person's voice used to identify them."},
    {"user.biometric.health", C, "Biometric health", "Heart rate and similar body signals."},
    {"user.childrens", C, "Children's data", "Data about a child."},
    {"user.contact", C, "Contact details", "How to reach the person."},
    {"user.contact.address", C, "Postal address", "The person's postal address."},
    {"user.contact.address.city", C, "City", "City of the postal address."},
    {"user.contact.address.country", C, "Country", "Country of the postal address."},
    {"user.contact.address.postal_code", C, "Postal code", "Postal code of the address."},
    {"user.contact.address.state", C, "State or province", "State or province of the address."},
    {"user.contact.address.street", C, "Street", "Street and number of the address."},
    {"user.contact.email", C, "E-mail address", "The person's e-mail address."},
    {"user.contact.phone_number", C, "Phone number", "The person's telephone number."},
    {"user.contact.url", C, "Website", "A web address belonging to the person."},
    {"user.contact.fax_number", C, "Fax number", "The person's fax number."},
    {"user.contact.organization", C, "Organisation", "The organisation the person belongs to."},
    {"user.content", C, "Content", "What the person creates or uploads."},
    {"user.content.private", C, "Private content",
     "Content only the person and those they allow can see."},
    {"user.content.public", C, "Public content", "Content the person published."},
    {"user.content.self_image", C, "Picture of the person", "A photo or video showing the person."},
    {"user.content.audio", C, "Audio and video recordings", "Recordings the person uploads (vow)."},
    {"user.content.transcript", C, "Transcripts", "Text made from the person's recordings (vow)."},
    {"user.content.generated", C, "Generated works",
     "Music or media generated for the person (vow)."},
    {"user.content.communications", C, "Messages to the company",
     "What the person writes or says to support or sales (vow)."},
    {"user.content.communications.call_recording", C, "Call recordings",
     "Recorded calls with customer service (vow)."},
    {"user.demographic", C, "Demographics", "Traits that place the person in a group."},
    {"user.demographic.age_range", C, "Age range", "An age bracket."},
    {"user.demographic.date_of_birth", C, "Date of birth", "The person's birth date."},
    {"user.demographic.gender", C, "Gender", "The person's gender."},
    {"user.demographic.language", C, "Language", "Languages the person uses."},
    {"user.demographic.marital_status", C, "Marital status",
     "Whether the person is married, single, ..."},
    {"user.demographic.political_opinion", C, "Political opinion",
     "Political views (special category)."},
    {"user.demographic.profile", C, "Profile", "Descriptive profile information."},
    {"user.demographic.race_ethnicity", C, "Racial or ethnic origin",
     "Race or ethnicity (special category)."},
    {"user.demographic.religious_belief", C, "Religion", "Religious beliefs (special category)."},
    {"user.demographic.sexual_orientation", C, "Sexual orientation",
     "Sexual orientation (special category)."},
    {"user.device", C, "Device", "The person's device and how it connects."},
    {"user.device.cookie", C, "Cookie", "A cookie stored on the device."},
    {"user.device.cookie_id", C, "Cookie identifier", "An identifier kept in a cookie."},
    {"user.device.device_id", C, "Device identifier", "An identifier of the device."},
    {"user.device.ip_address", C, "IP address", "The network address the device connects from."},
    {"user.financial", C, "Financial data", "Money matters of the person."},
    {"user.financial.bank_account", C, "Bank account", "Bank account numbers and details."},
    {"user.financial.credit_card", C, "Payment card", "Payment card numbers and details."},
    {"user.financial.invoice", C, "Invoices and transactions",
     "Invoices, receipts and transaction records (vow)."},
    {"user.government_id", C, "Government identifiers", "Numbers issued by a state."},
    {"user.government_id.birth_certificate", C, "Birth certificate", "Birth certificate number."},
    {"user.government_id.drivers_license_number", C, "Driving licence", "Driving licence number."},
    {"user.government_id.immigration", C, "Immigration number", "Visa or residence permit number."},
    {"user.government_id.national_identification_number", C, "National ID",
     "National identity number."},
    {"user.government_id.passport_number", C, "Passport", "Passport number."},
    {"user.government_id.vehicle_registration", C, "Vehicle registration",
     "Number plate or registration."},
    {"user.health_and_medical", C, "Health", "Health and medical data (special category)."},
    {"user.health_and_medical.genetic", C, "Genetic data", "Genetic data (special category)."},
    {"user.health_and_medical.insurance_beneficiary_id", C, "Health insurance number",
     "Health insurance membership number."},
    {"user.health_and_medical.record_id", C, "Medical record number",
     "A medical record identifier."},
    {"user.location", C, "Location", "Where the person is."},
    {"user.location.imprecise", C, "Approximate location",
     "Location to city or region, e.g. from an IP address."},
    {"user.location.precise", C, "Precise location", "Location to a few metres, e.g. GPS."},
    {"user.name", C, "Name", "The person's name."},
    {"user.name.first", C, "First name", "Given name."},
    {"user.name.last", C, "Last name", "Family name."},
    {"user.payment", C, "Payment", "Payment instructions and status."},
    {"user.social", C, "Social", "Social connections and social media data."},
    {"user.unique_id", C, "Unique identifier", "A number that singles out the person."},
    {"user.unique_id.pseudonymous", C, "Pseudonymous identifier",
     "An identifier that needs extra data to name the person."},
    {"user.telemetry", C, "Telemetry", "Measurements sent by the person's software."},
    {"user.user_sensor", C, "Sensor data from the person", "Readings of sensors worn or carried."},
    {"user.sensor", C, "Sensor data", "Readings of sensors about the person."},
    {"user.workplace", C, "Workplace", "Where and in which sector the person works."},
    {"user.criminal_history", C, "Criminal record", "Convictions and offences (Art. 10)."},
    {"user.privacy_preferences", C, "Privacy choices",
     "Consents, objections and opt-outs the person made."},
    {"user.job_title", C, "Job title", "The person's role at work."},

    /* ---- purposes (data uses) ---- */
    {"analytics", P, "Analytics", "Measuring how the service is used."},
    {"analytics.reporting", P, "Reporting", "Reports and statistics about use."},
    {"analytics.reporting.ad_performance", P, "Advertising reports", "How well advertising works."},
    {"analytics.reporting.content_performance", P, "Content reports", "How well content works."},
    {"analytics.reporting.campaign_insights", P, "Campaign reports", "What campaigns achieve."},
    {"analytics.reporting.system", P, "System reports", "How the system behaves."},
    {"analytics.reporting.system.performance", P, "Performance reports",
     "How fast and reliable the system is."},
    {"collect", P, "Collection", "Collecting data to sell or pass on."},
    {"employment", P, "Employment", "Managing staff."},
    {"employment.recruitment", P, "Recruitment", "Hiring staff."},
    {"essential", P, "Essential", "What the service cannot run without."},
    {"essential.fraud_detection", P, "Fraud prevention", "Detecting and preventing fraud."},
    {"essential.legal_obligation", P, "Legal obligations",
     "What the law requires the company to do."},
    {"essential.legal_obligation.tax", P, "Tax and bookkeeping",
     "Keeping records tax and accounting law require (vow)."},
    {"essential.suppression", P, "Suppression list",
     "Keeping the minimum needed to honour an opt-out in future (vow)."},
    {"essential.legal_claims", P, "Legal claims",
     "Establishing, exercising or defending legal claims (vow)."},
    {"essential.service", P, "Providing the service", "Delivering what the person signed up for."},
    {"essential.service.authentication", P, "Signing in", "Checking who the person is."},
    {"essential.service.notifications", P, "Service messages",
     "Telling the person about their service."},
    {"essential.service.notifications.email", P, "Service e-mail", "Service messages by e-mail."},
    {"essential.service.notifications.sms", P, "Service SMS", "Service messages by text message."},
    {"essential.service.operations", P, "Operations", "Running the service day to day."},
    {"essential.service.operations.support", P, "Customer support",
     "Answering questions and fixing problems."},
    {"essential.service.operations.improve", P, "Improving support", "Making support better."},
    {"essential.service.payment_processing", P, "Payments", "Taking and handling payments."},
    {"essential.service.security", P, "Security", "Keeping the service and its users safe."},
    {"essential.service.upgrades", P, "Upgrades", "Offering upgrades of the service."},
    {"finance", P, "Finance", "Financial management of the company."},
    {"functional", P, "Functional", "Features beyond the bare service."},
    {"functional.storage", P, "Local storage", "Storing data on the person's device."},
    {"functional.storage.privacy_preferences", P, "Storing privacy choices",
     "Remembering privacy choices on the device."},
    {"functional.service", P, "Features", "Providing features of the service."},
    {"functional.service.improve", P, "Improving the service", "Making the service better."},
    {"marketing", P, "Marketing", "Promoting products and services."},
    {"marketing.advertising", P, "Advertising", "Showing advertisements."},
    {"marketing.advertising.first_party", P, "Own advertising",
     "Advertising by the company itself."},
    {"marketing.advertising.first_party.contextual", P, "Contextual advertising",
     "Ads chosen by the page, not the person."},
    {"marketing.advertising.first_party.targeted", P, "Targeted own advertising",
     "Own ads chosen for the person."},
    {"marketing.advertising.frequency_capping", P, "Frequency capping",
     "Limiting how often an ad is shown."},
    {"marketing.advertising.negative_targeting", P, "Negative targeting",
     "Keeping ads away from some people."},
    {"marketing.advertising.profiling", P, "Advertising profiles",
     "Building profiles to target ads."},
    {"marketing.advertising.serving", P, "Serving ads", "Delivering ads technically."},
    {"marketing.advertising.third_party", P, "Third-party advertising", "Advertising by others."},
    {"marketing.advertising.third_party.targeted", P, "Targeted third-party advertising",
     "Others' ads chosen for the person."},
    {"marketing.communications", P, "Marketing messages", "Sending promotional messages."},
    {"marketing.communications.email", P, "Marketing e-mail",
     "Newsletters and promotional e-mail."},
    {"marketing.communications.sms", P, "Marketing SMS", "Promotional text messages."},
    {"operations", P, "Business operations", "Running the company."},
    {"personalize", P, "Personalisation", "Adapting the service to the person."},
    {"personalize.content", P, "Personal content", "Choosing content for the person."},
    {"personalize.content.limited", P, "Light personalisation", "Personalising without a profile."},
    {"personalize.content.profiling", P, "Profiling", "Building a profile to personalise content."},
    {"personalize.content.profiled", P, "Profiled content", "Content chosen from a profile."},
    {"personalize.system", P, "System personalisation", "Adapting the system itself."},
    {"research", P, "Research", "Studying needs and behaviour to improve products (vow)."},
    {"research.surveys", P, "Surveys and interviews", "Asking people about their needs (vow)."},
    {"sales", P, "Sales", "Selling to the person."},
    {"third_party_sharing", P, "Sharing with third parties", "Passing data to others."},
    {"third_party_sharing.legal_obligation", P, "Legally required sharing",
     "Passing data on because the law requires it."},
    {"train_ai_system", P, "Training AI systems", "Using data to train machine-learning models."},

    /* ---- data subjects ---- */
    {"anonymous_user", S, "Anonymous user", "Someone using the service without an account."},
    {"citizen_voter", S, "Citizen", "A citizen or voter."},
    {"commuter", S, "Commuter", "Someone travelling to work."},
    {"consultant", S, "Consultant", "An outside adviser."},
    {"customer", S, "Customer", "Someone who buys or uses the service."},
    {"customer.trial", S, "Trial user", "A customer on a free trial (vow)."},
    {"customer.administrator", S, "Account administrator",
     "A customer who manages a business account (vow)."},
    {"employee", S, "Employee", "Someone employed by the company."},
    {"job_applicant", S, "Job applicant", "Someone applying for a job."},
    {"next_of_kin", S, "Next of kin", "A relative named by someone."},
    {"passenger", S, "Passenger", "Someone travelling."},
    {"patient", S, "Patient", "Someone receiving care."},
    {"prospect", S, "Prospect", "A possible customer, such as a sales lead."},
    {"shareholder", S, "Shareholder", "An owner of shares."},
    {"supplier_vendor", S, "Supplier", "A supplier or its staff."},
    {"trainee", S, "Trainee", "Someone in training."},
    {"visitor", S, "Visitor", "Someone visiting the website."},
};

#undef C
#undef P
#undef S

bool taxonomy_key_valid(const char *key)
{
	size_t len = strlen(key), segments = 1;
	if (len == 0 || len > 128)
		return false;
	bool start = true;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (c == '.') {
			if (start || ++segments > 8)
				return false;
			start = true;
			continue;
		}
		if (start && !(c >= 'a' && c <= 'z'))
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
		start = false;
	}
	return !start;
}

bool taxonomy_key_covers(const char *rule, const char *key)
{
	size_t n = strlen(rule);
	return strncmp(rule, key, n) == 0 && (key[n] == '\0' || key[n] == '.');
}

const struct taxonomy_entry *taxonomy_find(enum taxonomy_kind kind, const char *key)
{
	for (size_t i = 0; i < sizeof(taxonomy) / sizeof(taxonomy[0]); i++)
		if (taxonomy[i].kind == kind && strcmp(taxonomy[i].key, key) == 0)
			return &taxonomy[i];
	return NULL;
}

const struct taxonomy_entry *taxonomy_all(size_t *n)
{
	*n = sizeof(taxonomy) / sizeof(taxonomy[0]);
	return taxonomy;
}
