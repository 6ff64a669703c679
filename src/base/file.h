/* Reading the files dnsprobe is given (trust anchor, root hints, CA file, config): never
 * blocking in open(), regular files only, size-capped, read whole into memory by us. */
#pragma once

#include <stddef.h>

#include "dnsprobe/common.h"

/* Caps on what each file may hold (docs: README "Files"). */
#define DP_TRUST_ANCHOR_MAX_BYTES (1u * 1024 * 1024)
#define DP_ROOT_HINTS_MAX_BYTES   (1u * 1024 * 1024)
#define DP_CA_FILE_MAX_BYTES      (16u * 1024 * 1024)

/* Open path with O_NONBLOCK|O_CLOEXEC (a FIFO cannot hang open()), refuse anything but a regular
 * file (a directory, a device such as /dev/zero, a FIFO, a socket) and a file larger than cap.
 * Returns the open descriptor in *fd and the size in *size; errors read "PATH: reason". */
int dp_file_open(const char *path, size_t cap, int *fd, size_t *size, struct dp_err *err) DP_WUR;

/* dp_file_open, then read the whole file into a new NUL-terminated buffer (*buf, caller frees;
 * *len excludes the NUL). A file that grows past cap while being read is refused too. An empty
 * file is not an error here (*len 0): callers say what an empty file means for them. */
int dp_file_read(const char *path, size_t cap, char **buf, size_t *len,
		 struct dp_err *err) DP_WUR;

/* dp_file_open and close: the file exists, is regular and within cap. */
int dp_file_check(const char *path, size_t cap, struct dp_err *err) DP_WUR;
