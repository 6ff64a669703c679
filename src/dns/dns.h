/* DNS access for probes: validated lookups from the root (libunbound) and direct queries to one
 * server (getdns stub). Probes never talk to the libraries' contexts directly. */
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <getdns/getdns.h>

#include "dnsprobe/common.h"

/* Common RR types (values from the IANA registry). */
enum dp_rrtype {
	DP_RR_A = 1,
	DP_RR_NS = 2,
	DP_RR_SOA = 6,
	DP_RR_MX = 15,
	DP_RR_TXT = 16,
	DP_RR_AAAA = 28,
	DP_RR_DS = 43,
	DP_RR_RRSIG = 46,
	DP_RR_NSEC = 47,
	DP_RR_DNSKEY = 48,
	DP_RR_NSEC3 = 50,
	DP_RR_NSEC3PARAM = 51,
	DP_RR_TLSA = 52,
	DP_RR_CDS = 59,
	DP_RR_CDNSKEY = 60,
	DP_RR_CAA = 257,
};
/* "SOA", "TLSA", "TYPE65280" into buf. */
const char *dp_rrtype_str(uint16_t type, char *buf, size_t bufsz);
/* The static name for the common types above, NULL for others. */
const char *dp_rrtype_name(uint16_t type);
/* "SOA" or "TYPE6" → 6; -1 when unknown. */
int dp_rrtype_parse(const char *s);

/* One IP address of a server or host. */
struct dp_addr {
	int family;		     /* AF_INET or AF_INET6 */
	char text[INET6_ADDRSTRLEN]; /* "127.0.10.1", "::1" */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};
/* Parse a literal IPv4/IPv6 address. */
int dp_addr_parse(const char *s, struct dp_addr *out) DP_WUR;
/* True when both are the same address. */
bool dp_addr_equal(const struct dp_addr *a, const struct dp_addr *b);

/* DNSSEC security of an answer as libunbound judged it. */
enum dp_sec {
	DP_SEC_INDETERMINATE = 0, /* no answer at all (timeout, SERVFAIL without bogus) */
	DP_SEC_SECURE = 1,
	DP_SEC_INSECURE = 2,
	DP_SEC_BOGUS = 3,
};
const char *dp_sec_str(enum dp_sec s);

/* ---- Validating resolver (libunbound, iterative from the root) ---- */

struct dp_resolver_opts {
	const char *trust_anchor; /* file of DS/DNSKEY RRs; NULL → /usr/share/dns/root.key */
	const char *root_hints;	  /* file; NULL → built-in IANA hints */
	int64_t validate_at;	  /* 0 → now; else validation time (seconds since epoch), --at */
	int timeout_ms;		  /* per lookup */
	unsigned families;	  /* DP_IPV4 | DP_IPV6 to query over; 0 means both */
};

struct dp_resolver; /* opaque; thread-safe: lookups may run from several threads at once */

/* ---- Trust anchor and root hints files (zonefile.c) ---- */

/* The records of a zone-file text, each as one presentation line. Owned; dp_zone_rrs_free. */
struct dp_zone_rrs {
	char **text;
	uint16_t *type;
	bool *owner_root; /* the owner is the root (.) */
	size_t n;
};
void dp_zone_rrs_free(struct dp_zone_rrs *z);
/* A trust anchor file's text (name for messages): zone-file DS/DNSKEY records only, at least
 * one of them for the root. Errors read "trust anchor NAME: reason". */
int dp_anchor_parse(const char *name, const char *buf, size_t len, struct dp_zone_rrs *z,
		    struct dp_err *err) DP_WUR;
/* A root hints file's text: NS records of the root and A/AAAA records only, at least one of
 * each. Errors read "root hints NAME: reason". */
int dp_hints_parse(const char *name, const char *buf, size_t len, struct dp_err *err) DP_WUR;
/* Read (base/file.h caps, non-blocking open, regular files only) and parse the trust anchor
 * (NULL: DP_DEFAULT_TRUST_ANCHOR) and, when given, the root hints of o: what dp_resolver_new
 * does first, without creating a context (config validation, `monitor -n`). */
int dp_resolver_check_files(const struct dp_resolver_opts *o, struct dp_err *err) DP_WUR;

int dp_resolver_new(const struct dp_resolver_opts *o, struct dp_resolver **out,
		    struct dp_err *err) DP_WUR;
void dp_resolver_free(struct dp_resolver *r);

/* The answer to one validated lookup. Everything owned; free with dp_lookup_clear. */
struct dp_lookup {
	char *qname;
	uint16_t qtype;
	int rcode;	   /* DNS rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN) */
	bool havedata;	   /* answer has RRs of qtype */
	enum dp_sec sec;
	char *why_bogus;   /* validator's reason when bogus, else NULL */
	bool cut;	   /* dp_resolver_lookup_by: its deadline ended the lookup unanswered */
	uint32_t ttl;
	/* rdata of the answer RRset in wire form (as libunbound gives them) */
	uint8_t **rdata;
	size_t *rdlen;
	size_t nrdata;
	/* The whole answer message, parsed (getdns message dict: "header", "answer", "authority",
	 * "additional"); NULL when there was no message. */
	getdns_dict *msg;
	/* The canonical name after CNAMEs (lower-case, no trailing dot) when it differs from
	 * qname, else NULL. */
	char *canonname;
	/* Raw answer packet. */
	uint8_t *packet;
	size_t packet_len;
};
void dp_lookup_clear(struct dp_lookup *l);

/* Look up name/type from the root with validation. A DNS-level failure (SERVFAIL, timeout,
 * bogus) is reported in *out, not as an error; errors mean the resolver itself failed. */
int dp_resolver_lookup(struct dp_resolver *r, const char *name, uint16_t type,
		       struct dp_lookup *out, struct dp_err *err) DP_WUR;
/* The same, ending at the monotonic deadline (dp_now_mono() value) when that comes before the
 * resolver's own per-lookup timeout; deadline 0: the timeout alone. A lookup the deadline ended
 * has out->cut set (the budget, not the zone, ended it: unknown, never evidence). */
int dp_resolver_lookup_by(struct dp_resolver *r, const char *name, uint16_t type, double deadline,
			  struct dp_lookup *out, struct dp_err *err) DP_WUR;

/* ---- Direct queries to one server (getdns stub, one address) ---- */

enum dp_transport {
	DP_TRANSPORT_UDP = 0,
	DP_TRANSPORT_TCP = 1,
};
const char *dp_transport_str(enum dp_transport t);

struct dp_query {
	const char *qname;
	uint16_t qtype;
	const struct dp_addr *server;
	uint16_t port;	 /* 0 → 53 */
	enum dp_transport transport;
	bool rd;	 /* recursion desired (false for authoritative checks) */
	bool dnssec_ok;	 /* DO bit */
	bool cd;	 /* checking disabled */
	int timeout_ms; /* the whole exchange, a TCP retry included */
	/* dp_now_mono() value no step may pass (0: none): a query started late still ends at the
	 * run's deadline. */
	double deadline;
	/* RFC 7766 §5: a truncated UDP answer is asked again over TCP within the same budget
	 * (the reply is then the TCP one; tc_retried says so). */
	bool tc_retry;
	/* The OPT RR's shape, for the RFC 6891 compliance probes of ns.hygiene.edns: the EDNS version to
	 * announce (0 normally) and one option of this code with empty data (0: none). */
	uint8_t edns_version;
	uint16_t edns_option;
	/* No OPT RR at all (plain DNS, ednscomp's "dns" case); or these must-be-zero EDNS flag
	 * bits (RFC 6891 §6.1.4's Z, never the DO bit) set in it ("ednsflags"). */
	bool edns_none;
	uint16_t edns_flags;
};

/* A direct answer. reply is the getdns reply dict ("header", "answer", "authority",
 * "additional", sections as lists of RR dicts). */
struct dp_reply {
	bool answered;	   /* false: timeout or network error (see error) */
	bool no_route;	   /* not sent: this host has no route to the server (see error) */
	char error[256];
	int rcode;
	bool aa, tc, ad, ra;
	bool edns;	   /* the reply carried an OPT RR */
	bool tc_retried;   /* UDP was truncated and this is the TCP retry's outcome */
	/* When edns, that OPT RR as getdns parsed it (RFC 6891 §6.1.3): its version, DO bit, the
	 * other flag bits (must be zero), the option codes it carried (the first few), and the
	 * extended rcode (rcode with the OPT's upper eight bits: 16 is BADVERS). */
	uint8_t edns_version;
	bool edns_do;
	uint16_t edns_z;
	uint16_t edns_options[4];
	size_t edns_noptions; /* how many options (may exceed the codes kept) */
	int ext_rcode;	      /* rcode when there is no OPT */
	double rtt;	   /* seconds */
	getdns_dict *reply; /* owned; NULL when !answered */
};
void dp_reply_clear(struct dp_reply *r);

/* Does this host have a route to addr? A UDP connect() consults the routing table and sends
 * nothing; false (errno text in why) when it says ENETUNREACH/EHOSTUNREACH (e.g. no IPv6 route). */
bool dp_addr_routable(const struct dp_addr *addr, char *why, size_t whysz);

/* Send one query over our own socket (no library context): a server that does not answer is
 * reported in out (answered=false, error "timeout", "connection refused", "no route to host"…),
 * not as an error. "Connection refused" and "no route" end the exchange at once; silence costs
 * at most timeout_ms (and never passes deadline). Thread-safe. */
int dp_query_send(const struct dp_query *q, struct dp_reply *out, struct dp_err *err) DP_WUR;

/* Send n queries concurrently in the caller's thread (one poll loop, a bounded number of sockets
 * open at once); out[i] answers q[i]. */
int dp_query_send_many(const struct dp_query *q, struct dp_reply *out, size_t n,
		       struct dp_err *err) DP_WUR;

/* ---- Message helpers (over getdns dicts) ---- */

/* Section "answer", "authority" or "additional" of a reply/message dict; NULL if absent. */
getdns_list *dp_msg_section(getdns_dict *msg, const char *section);
/* Owner name of an RR dict as presentation text without the trailing dot, lower-cased, into buf. */
int dp_rr_owner(getdns_dict *rr, char *buf, size_t bufsz) DP_WUR;
uint16_t dp_rr_type(getdns_dict *rr);
uint32_t dp_rr_ttl(getdns_dict *rr);
/* The RR in presentation format (one line, no newline). Caller frees. NULL on failure. */
char *dp_rr_text(getdns_dict *rr);

/* Parse a DNS message in wire form into a getdns message dict ("header", "question", "answer",
 * "authority", "additional"). Every wire message from the network goes through here: getdns 1.6's
 * parser can read past the end of a malformed message, so it is handed a zero-padded copy. */
int dp_msg_parse(const uint8_t *wire, size_t len, getdns_dict **out) DP_WUR;
/* Structural check of a DNS message before any library parses it: section counts, names (with
 * backward-only compression pointers, ≤255 octets), RR lengths, and names inside the rdata of
 * NS, CNAME, PTR, DNAME, SOA, MX, SRV, RRSIG and NSEC all within bounds. */
bool dp_msg_wellformed(const uint8_t *wire, size_t len);

/* Number of items of a getdns list (0 for NULL), and its i-th dict (NULL if not a dict). */
size_t dp_list_len(getdns_list *l);
getdns_dict *dp_list_dict(getdns_list *l, size_t i);
/* An rdata field of an RR dict: a domain name ("nsdname", "exchange", "signers_name"), an
 * integer ("preference", "key_tag", "signature_expiration") or raw bytes ("public_key",
 * "ipv4_address", "certificate_association_data"). Return 0 or DP_EPARSE/DP_ENOTFOUND. */
int dp_rr_rdata_name(getdns_dict *rr, const char *field, char *buf, size_t bufsz) DP_WUR;
int dp_rr_rdata_int(getdns_dict *rr, const char *field, uint32_t *out) DP_WUR;
getdns_bindata *dp_rr_rdata_bin(getdns_dict *rr, const char *field);
/* The whole rdata in wire form ("/rdata/rdata_raw"); NULL if absent. */
getdns_bindata *dp_rr_rdata_raw(getdns_dict *rr);

/* Normalise a domain name: lower-case, no trailing dot ("" for the root). Returns DP_EINVAL for
 * something that is not a domain name (empty label, label > 63, name > 253, bad characters when
 * hostname is true: only LDH plus '_' and '*' as a whole label). */
int dp_name_normalise(const char *in, char *out, size_t outsz, bool hostname,
		      struct dp_err *err) DP_WUR;
/* Is name (normalised) the domain or a name below it? ("" is the root: always true.) */
bool dp_name_in_domain(const char *name, const char *domain);
/* A domain name as a user gives it (command line, config, /probe?target=): a U-label name
 * (UTF-8) is converted to its A-label form by IDNA2008 (libidn2, NFC input, UTS 46
 * non-transitional); an A-label given as such must round-trip. Then normalised as a host name.
 * DP_EINVAL with the reason for invalid input. */
int dp_name_from_input(const char *in, char *out, size_t outsz, struct dp_err *err) DP_WUR;
/* The U-label (Unicode, UTF-8) form of a normalised name that holds an A-label, into out; false
 * when it holds none (or it does not decode). */
bool dp_name_unicode(const char *alabel, char *out, size_t outsz);
/* A wire-format name (uncompressed) into presentation (no trailing dot, lower-case). */
int dp_name_from_wire(const uint8_t *wire, size_t len, char *out, size_t outsz) DP_WUR;
