/* The per-domain state file (statefile.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "engine/statefile.h"

int
dp_state_dir_check(const char *dir, struct dp_err *err)
{
	struct stat sb;

	if (stat(dir, &sb) != 0)
		return dp_err_set(err, DP_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return dp_err_set(err, DP_EINVAL, "%s: not a directory", dir);
	if (access(dir, W_OK | X_OK) != 0)
		return dp_err_set(err, DP_EIO, "%s: cannot write into it: %s", dir, strerror(errno));
	return 0;
}

const char *
dp_state_dir_pick(const char *cfg_dir, char *buf, size_t bufsz)
{
	const char *env = getenv("STATE_DIRECTORY");
	size_t n;

	if (cfg_dir != NULL)
		return cfg_dir;
	if (env == NULL || env[0] == '\0' || bufsz == 0)
		return NULL;
	n = strcspn(env, ":");
	if (n >= bufsz)
		return NULL;
	memcpy(buf, env, n);
	buf[n] = '\0';
	return buf;
}

int
dp_state_path(const char *dir, const char *domain, char *buf, size_t bufsz, struct dp_err *err)
{
	size_t n = strlen(domain);
	int w;

	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || domain[0] == '.')
		return dp_err_set(err, DP_EINVAL, "%s: not a name a state file can be named after",
		                  domain);
	for (size_t i = 0; i < n; i++) {
		char c = domain[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return dp_err_set(err, DP_EINVAL,
			                  "%s: not a name a state file can be named after", domain);
	}
	w = snprintf(buf, bufsz, "%s/%.*s.json", dir, (int)n, domain);
	if (w < 0 || (size_t)w >= bufsz)
		return dp_err_set(err, DP_EINVAL, "%s: state file path too long", dir);
	return 0;
}

/* The same domain name, case and a final dot aside. */
static bool
same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

static int
empty(json_t **state, json_t **since)
{
	*state = json_object();
	*since = json_array();
	if (*state == NULL || *since == NULL) {
		json_decref(*state);
		json_decref(*since);
		*state = *since = NULL;
		return DP_ENOMEM;
	}
	return 0;
}

int
dp_state_load(const char *path, const char *domain, json_t **state, json_t **since,
              struct dp_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	json_error_t je;
	json_t *root, *st, *si, *ver, *dom;
	struct stat sb;
	int rc;

	*state = *since = NULL;
	if (stat(path, &sb) != 0 && errno == ENOENT)
		return empty(state, since) == 0 ? 0 : dp_err_set(err, DP_ENOMEM, "out of memory");
	rc = dp_file_read(path, DP_STATE_MAX_BYTES, &buf, &len, err);
	if (rc != 0) {
		(void)empty(state, since);
		return rc;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (root == NULL) {
		(void)empty(state, since);
		return dp_err_set(err, DP_EINVAL, "%s: not a state file: line %d: %s", path, je.line,
		                  je.text);
	}
	ver = json_object_get(root, "version");
	dom = json_object_get(root, "domain");
	st = json_object_get(root, "state");
	si = json_object_get(root, "since");
	if (!json_is_object(root) || !json_is_integer(ver) ||
	    json_integer_value(ver) != DP_STATE_VERSION || !json_is_object(st) ||
	    !json_is_array(si) || !json_is_string(dom)) {
		json_decref(root);
		(void)empty(state, since);
		return dp_err_set(err, DP_EINVAL,
		                  "%s: not a dnsprobe state file of version %d (version, domain, state, "
		                  "since)",
		                  path, DP_STATE_VERSION);
	}
	if (domain != NULL && !same_name(json_string_value(dom), domain)) {
		char other[256];

		dp_strlcpy(other, json_string_value(dom), sizeof(other));
		json_decref(root);
		(void)empty(state, since);
		return dp_err_set(err, DP_EINVAL, "%s: holds the state of %s, not of %s", path, other,
		                  domain);
	}
	*state = json_incref(st);
	*since = json_incref(si);
	json_decref(root);
	return 0;
}

int
dp_state_save(const char *path, const char *domain, const char *state_dump, const json_t *since,
              double saved, struct dp_err *err)
{
	char tmp[4200];
	json_error_t je;
	json_t *st = json_loads(state_dump != NULL ? state_dump : "{}", 0, &je);
	json_t *root;
	char *out;
	size_t len, off = 0;
	int fd, w;

	w = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (w < 0 || (size_t)w >= sizeof(tmp)) {
		json_decref(st);
		return dp_err_set(err, DP_EINVAL, "%s: state file path too long", path);
	}
	root = json_pack("{s:i, s:s, s:f, s:o, s:O}", "version", DP_STATE_VERSION, "domain", domain,
	                 "saved", saved, "state", st != NULL ? st : json_object(), "since",
	                 since != NULL ? since : json_array());
	if (root == NULL)
		return dp_err_set(err, DP_ENOMEM, "%s: out of memory", path);
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (out == NULL)
		return dp_err_set(err, DP_ENOMEM, "%s: out of memory", path);
	len = strlen(out);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int e = errno;

		free(out);
		return dp_err_set(err, DP_EIO, "%s: cannot write: %s", tmp, strerror(e));
	}
	while (off < len) {
		ssize_t n = write(fd, out + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;

			close(fd);
			unlink(tmp);
			free(out);
			return dp_err_set(err, DP_EIO, "%s: cannot write: %s", tmp, strerror(e));
		}
		off += (size_t)n;
	}
	free(out);
	if (fsync(fd) != 0 || close(fd) != 0) {
		int e = errno;

		unlink(tmp);
		return dp_err_set(err, DP_EIO, "%s: cannot write: %s", tmp, strerror(e));
	}
	if (rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return dp_err_set(err, DP_EIO, "%s: cannot replace: %s", path, strerror(e));
	}
	return 0;
}

json_t *
dp_state_since_of(const struct dp_results *rs, const double *since)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && rs != NULL && i < rs->n; i++) {
		const struct dp_result *r = &rs->v[i];

		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:f}", "check", r->id,
		                                       "subject", r->subject, "status",
		                                       dp_status_str(r->status), "since",
		                                       since[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

double
dp_state_since_find(const json_t *since, const char *check, const char *subject,
                    enum dp_status status)
{
	size_t i;
	json_t *e;

	json_array_foreach(since, i, e)
	{
		const char *c = json_string_value(json_object_get(e, "check"));
		const char *s = json_string_value(json_object_get(e, "subject"));
		const char *st = json_string_value(json_object_get(e, "status"));
		json_t *t = json_object_get(e, "since");

		if (c != NULL && s != NULL && st != NULL && json_is_number(t) &&
		    strcmp(c, check) == 0 && strcmp(s, subject) == 0 &&
		    dp_status_parse(st) == (int)status && json_number_value(t) > 0)
			return json_number_value(t);
	}
	return -1;
}
