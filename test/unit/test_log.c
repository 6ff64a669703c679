/* Unit tests of the log line prefixes: sd-daemon priorities only when stderr is the journal. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsprobe/common.h"

/* Run fn in a child with JOURNAL_STREAM set to js (NULL: unset); the child's exit code is 0 when
 * every prefix was as expected. The detection happens once per process, hence the fork. */
static int
in_child(const char *js, const char *const want[4])
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (js != NULL)
			setenv("JOURNAL_STREAM", js, 1);
		else
			unsetenv("JOURNAL_STREAM");
		for (int l = DP_LOG_ERROR; l <= DP_LOG_DEBUG; l++) {
			if (strcmp(dp_log_prefix((enum dp_log_level)l), want[l]) != 0)
				_exit(1);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_journal_prefixes(void **state)
{
	static const char *const prio[4] = {"<3>", "<4>", "<6>", "<7>"};
	static const char *const none[4] = {"", "", "", ""};
	struct stat st;
	char js[64], other[64];

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	snprintf(other, sizeof(other), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	assert_int_equal(in_child(js, prio), 0);
	/* Not the journal: unset, another inode (stderr redirected since), garbage. */
	assert_int_equal(in_child(NULL, none), 0);
	assert_int_equal(in_child(other, none), 0);
	assert_int_equal(in_child("12:", none), 0);
	assert_int_equal(in_child("x:y", none), 0);
	assert_int_equal(in_child("", none), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_journal_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
