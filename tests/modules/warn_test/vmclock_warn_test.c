// SPDX-License-Identifier: GPL-2.0
/*
 * A module that does nothing but WARN once at load: the test runner's self-test loads
 * it to prove that a kernel warning during a test fails that test.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init vmclock_warn_test_init(void)
{
	WARN(1, "vmclock_warn_test: deliberate warning for the test runner's self-test\n");
	return 0;
}

static void __exit vmclock_warn_test_exit(void)
{
}

module_init(vmclock_warn_test_init);
module_exit(vmclock_warn_test_exit);
MODULE_DESCRIPTION("ptp_vmclock test runner self-test: WARN at load");
MODULE_LICENSE("GPL");
