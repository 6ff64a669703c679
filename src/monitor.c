/* TEMPORARY (replaced by the monitor work, issue 8): the monitor entry point and config hook. */
#include "config.h"

#include <stdio.h>

#include "check.h"

int
dp_monitor_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dnsprobe monitor: not built in this revision\n");
	return 3;
}
