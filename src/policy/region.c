/* policy/region.c — countries and the region groups residency and transfer
 * rules use. The adequacy table follows the European Commission's Art. 45
 * decisions (tests compare it with the W3C DPV list in shared/reference);
 * the EU-US Data Privacy Framework is a separate mechanism (dpf) because it
 * covers only certified recipients. */
#include <string.h>

#include "policy/policy.h"

/* ISO 3166-1 alpha-2, officially assigned codes, two letters each. */
static const char iso3166[] =
	"AD" "AE" "AF" "AG" "AI" "AL" "AM" "AO" "AQ" "AR" "AS" "AT" "AU" "AW" "AX" "AZ"
	"BA" "BB" "BD" "BE" "BF" "BG" "BH" "BI" "BJ" "BL" "BM" "BN" "BO" "BQ" "BR" "BS"
	"BT" "BV" "BW" "BY" "BZ" "CA" "CC" "CD" "CF" "CG" "CH" "CI" "CK" "CL" "CM" "CN"
	"CO" "CR" "CU" "CV" "CW" "CX" "CY" "CZ" "DE" "DJ" "DK" "DM" "DO" "DZ" "EC" "EE"
	"EG" "EH" "ER" "ES" "ET" "FI" "FJ" "FK" "FM" "FO" "FR" "GA" "GB" "GD" "GE" "GF"
	"GG" "GH" "GI" "GL" "GM" "GN" "GP" "GQ" "GR" "GS" "GT" "GU" "GW" "GY" "HK" "HM"
	"HN" "HR" "HT" "HU" "ID" "IE" "IL" "IM" "IN" "IO" "IQ" "IR" "IS" "IT" "JE" "JM"
	"JO" "JP" "KE" "KG" "KH" "KI" "KM" "KN" "KP" "KR" "KW" "KY" "KZ" "LA" "LB" "LC"
	"LI" "LK" "LR" "LS" "LT" "LU" "LV" "LY" "MA" "MC" "MD" "ME" "MF" "MG" "MH" "MK"
	"ML" "MM" "MN" "MO" "MP" "MQ" "MR" "MS" "MT" "MU" "MV" "MW" "MX" "MY" "MZ" "NA"
	"NC" "NE" "NF" "NG" "NI" "NL" "NO" "NP" "NR" "NU" "NZ" "OM" "PA" "PE" "PF" "PG"
	"PH" "PK" "PL" "PM" "PN" "PR" "PS" "PT" "PW" "PY" "QA" "RE" "RO" "RS" "RU" "RW"
	"SA" "SB" "SC" "SD" "SE" "SG" "SH" "SI" "SJ" "SK" "SL" "SM" "SN" "SO" "SR" "SS"
	"ST" "SV" "SX" "SY" "SZ" "TC" "TD" "TF" "TG" "TH" "TJ" "TK" "TL" "TM" "TN" "TO"
	"TR" "TT" "TV" "TW" "TZ" "UA" "UG" "UM" "US" "UY" "UZ" "VA" "VC" "VE" "VG" "VI"
	"VN" "VU" "WF" "WS" "YE" "YT" "ZA" "ZM" "ZW";

static const char eu27[] = "AT" "BE" "BG" "CY" "CZ" "DE" "DK" "EE" "ES" "FI" "FR" "GR" "HR" "HU"
			   "IE" "IT" "LT" "LU" "LV" "MT" "NL" "PL" "PT" "RO" "SE" "SI" "SK";
static const char eea_extra[] = "IS" "LI" "NO";
/* Art. 45 adequacy decisions (KR: 2021 decision, GB: 2021 decision). */
static const char adequate[] = "AD" "AR" "CA" "CH" "FO" "GB" "GG" "IL" "IM" "JE" "JP" "KR" "NZ" "UY";

static bool in_list(const char *list, const char *cc)
{
	if (strlen(cc) != 2)
		return false;
	for (const char *p = list; p[0] != '\0'; p += 2)
		if (p[0] == cc[0] && p[1] == cc[1])
			return true;
	return false;
}

bool region_country_valid(const char *cc) { return in_list(iso3166, cc); }
bool region_adequate(const char *cc) { return in_list(adequate, cc); }

bool region_name_valid(const char *name)
{
	return region_country_valid(name) || strcmp(name, "EU") == 0 || strcmp(name, "EEA") == 0 ||
	       strcmp(name, "ADEQUATE") == 0 || strcmp(name, "ANY") == 0;
}

bool region_contains(const char *region, const char *cc)
{
	if (!region_country_valid(cc))
		return false;
	if (strcmp(region, "ANY") == 0)
		return true;
	if (strcmp(region, "EU") == 0)
		return in_list(eu27, cc);
	if (strcmp(region, "EEA") == 0)
		return in_list(eu27, cc) || in_list(eea_extra, cc);
	if (strcmp(region, "ADEQUATE") == 0)
		return in_list(eu27, cc) || in_list(eea_extra, cc) || in_list(adequate, cc);
	return strcmp(region, cc) == 0;
}
