/* util/ip.h — IP addresses, shortened before they are kept. */
#ifndef VOW_UTIL_IP_H
#define VOW_UTIL_IP_H

#include "util/err.h"

#define IP_TEXT_MAX 48 /* an IPv6 address as text, with its NUL (INET6_ADDRSTRLEN) */

/* Writes the network of address ip into out: an IPv4 address with its last
 * octet zeroed (its /24), an IPv6 address with all but its first 48 bits
 * zeroed (its /48), in canonical text form. VOW_ERR_INVALID when ip is not
 * an address in either family's text form; out is written only on success. */
VOW_MUST_CHECK vow_err ip_truncate(const char *ip, char out[IP_TEXT_MAX]);

#endif
