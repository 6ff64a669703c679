/* What discovery learns about a domain once per run, shared read-only by every check. */
#pragma once

#include <jansson.h>

#include "dns/dns.h"

/* A host name and its addresses (A then AAAA), as the validating resolver saw them. */
struct dp_host {
	char *name; /* lower-case, no trailing dot */
	struct dp_addr *addrs;
	size_t naddrs;
	enum dp_sec sec_a, sec_aaaa; /* DNSSEC security of the A and AAAA RRsets */
	char *error;		     /* NULL, or why the addresses could not be had */
	/* The A / AAAA lookup failed (timeout, SERVFAIL): that family is unknown, which is not
	 * the same as "no such record" — a failed lookup is never evidence about the zone. */
	bool failed_a, failed_aaaa;
};

/* A nameserver of the domain: from the union of the parent's and the child's NS sets. */
struct dp_ns {
	struct dp_host host;
	bool at_parent; /* listed in the parent's referral */
	bool at_child;	/* listed in the child's apex NS RRset */
	struct dp_addr *glue; /* glue the parent gave for it (in-bailiwick names only) */
	size_t nglue;
};

struct dp_mx {
	uint16_t preference;
	struct dp_host host;
};

/* A TLS endpoint to check (DANE, certificate): port 25 of each MX, plus configured ones. */
struct dp_endpoint {
	uint16_t port;
	char *host;
	bool from_mx; /* port 25 of an MX host */
	const struct dp_host *resolved; /* the host's addresses (points into discovery) */
};

/* Is the domain a zone apex? Settled first; when it is not, no check runs (SPEC §2). */
enum dp_apex_state {
	DP_APEX_EXISTS = 0,   /* the name owns an SOA, or it could not be told (the checks say) */
	DP_APEX_NXDOMAIN = 1, /* the name does not exist: NXDOMAIN from the enclosing zone */
	DP_APEX_INSIDE = 2,   /* the name exists but owns no SOA: it is inside another zone */
};
const char *dp_apex_state_str(enum dp_apex_state s);

/* Everything here is owned by the discovery and freed with it. */
struct dp_discovery {
	char *domain; /* normalised */
	char *parent; /* the parent zone ("kr"; "" for the root) */
	enum dp_sec apex_sec; /* security of the apex SOA */
	int apex_rcode;
	bool apex_havedata; /* the validating resolver had the apex SOA */
	char *apex_why_bogus;
	enum dp_apex_state apex_state;
	char *apex_verdict; /* one line saying why, when apex_state is not DP_APEX_EXISTS */

	struct dp_host *parent_servers; /* the parent zone's nameservers */
	size_t nparent_servers;
	bool parent_answered;  /* some parent server gave a referral */
	char *parent_error;    /* why the parent's NS set could not be had */

	struct dp_ns *ns;
	size_t nns;
	/* The zone's own NS lookup failed (timeout, SERVFAIL): at_child is then unknown for
	 * every name, not false. child_ns_error says why. */
	bool child_ns_failed;
	char *child_ns_error;
	struct dp_mx *mx;
	size_t nmx;
	/* The MX lookup failed (timeout, SERVFAIL, bogus): which hosts take the domain's mail is
	 * unknown, which is not "no MX" — the mail checks report it, never an empty list (SPEC §1:
	 * endpoints are reported, never dropped). mx_error says why, naming the lookup. */
	bool mx_failed;
	char *mx_error;
	struct dp_endpoint *endpoints;
	size_t nendpoints;
	/* Extra hosts whose addresses were resolved (endpoint hosts that are not MX hosts). */
	struct dp_host *hosts;
	size_t nhosts;

	json_t *notes; /* array of strings: problems met during discovery */
};

/* Find the host record for a name among MX hosts and extra hosts; NULL if not resolved. */
const struct dp_host *dp_discovery_host(const struct dp_discovery *d, const char *name);
/* Discovery as a JSON object (new reference), for -v and the JSON report. */
json_t *dp_discovery_to_json(const struct dp_discovery *d);
