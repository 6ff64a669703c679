/* Reading the files dnsprobe is given: non-blocking open, regular files only, capped. */
#include "config.h"

#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a plain file";
}

int
dp_file_open(const char *path, size_t cap, int *fd, size_t *size, struct dp_err *err)
{
	struct stat st;
	int f;

	*fd = -1;
	*size = 0;
	/* O_NONBLOCK: opening a FIFO without a writer (or a device) returns at once. */
	f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (f < 0)
		return dp_err_set(err, DP_EIO, "%s: %s", path, strerror(errno));
	if (fstat(f, &st) != 0) {
		int e = errno;

		close(f);
		return dp_err_set(err, DP_EIO, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(f);
		return dp_err_set(err, DP_EINVAL, "%s: is %s, not a regular file", path,
				  kind_of(st.st_mode));
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > cap) {
		close(f);
		return dp_err_set(err, DP_EINVAL, "%s: larger than %zu bytes", path, cap);
	}
	*fd = f;
	*size = (size_t)st.st_size;
	return 0;
}

int
dp_file_check(const char *path, size_t cap, struct dp_err *err)
{
	size_t size;
	int fd;
	int rc = dp_file_open(path, cap, &fd, &size, err);

	if (rc == 0)
		close(fd);
	return rc;
}

int
dp_file_read(const char *path, size_t cap, char **buf, size_t *len, struct dp_err *err)
{
	size_t size, got = 0;
	char *p = NULL;
	int fd;
	int rc;

	*buf = NULL;
	*len = 0;
	rc = dp_file_open(path, cap, &fd, &size, err);
	if (rc != 0)
		return rc;
	/* One byte more than fstat said, to notice a file that grows while we read it. */
	p = malloc(size + 2);
	if (p == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, p + got, size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = dp_err_set(err, DP_EIO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > size) {
			rc = dp_err_set(err, DP_EINVAL, "%s: changed while being read", path);
			goto out;
		}
	}
	p[got] = '\0';
	*buf = p;
	*len = got;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}
