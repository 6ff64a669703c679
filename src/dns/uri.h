/* Syntax of report URIs: RFC 6068 mailto: and RFC 3986 http:/https:, as CAA iodef (RFC 8659
 * §4.4) and TLS-RPT rua (RFC 8460 §3) take them. Pure functions over (ptr, len). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum dp_uri_scheme {
	DP_URI_OTHER = 0, /* none of the three below (or no scheme at all) */
	DP_URI_MAILTO = 1,
	DP_URI_HTTP = 2,
	DP_URI_HTTPS = 3,
};
const char *dp_uri_scheme_str(enum dp_uri_scheme s);

/* The scheme of u, compared case-insensitively (RFC 3986 §3.1). */
enum dp_uri_scheme dp_uri_scheme_of(const char *u, size_t len);

/* RFC 8460 §3: in a TLS-RPT URI, ',' '!' and ';' MUST be percent-encoded. */
#define DP_URI_ENCODED_BANG_COMMA 1u

/* True when u is a well-formed URI of a known scheme: mailto: with at least one addr-spec (a
 * dot-atom or quoted-string local part "@" a host name, percent-encoding decoded; ","- or
 * "%2C"-separated) and optional ?hfields (RFC 6068 §2); http(s)://authority with a host (a host
 * name or [IP-literal]), optional :port, then path, ?query, #fragment of RFC 3986 characters.
 * Percent-escapes must be "%" HEXDIG HEXDIG. On false, *why (may be NULL) names the fault. */
bool dp_uri_valid(const char *u, size_t len, unsigned flags, const char **why);
