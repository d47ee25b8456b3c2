// SPDX-License-Identifier: GPL-2.0
/*
 * The general helpers of psock.h; the others live in their topic files.
 */
#include <sys/utsname.h>

#include "psock.h"

const char *psock_kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "(uname failed)";
	return u.release;
}
