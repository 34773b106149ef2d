// SPDX-License-Identifier: GPL-2.0-only
/*
 * lockstep-mmu-notifier.c — a test module for lockstep's test VM: each
 * write to /proc/lockstep_mmu_notifier registers an MMU notifier on the
 * writer's mm and unregisters it again.
 *
 * Registration is the one path a guest without KVM, VFIO or a GPU driver
 * has into mm_take_all_locks(), which takes every anon_vma and i_mmap lock
 * of the mm under its mmap write lock (and write-marks every VMA first).
 * The workload mmu_notifier_churn drives it while other threads fault, so
 * that lockstep_inject=take_all_locks_unmarked shows faults running inside
 * it.  The notifier does nothing: its callbacks are all left empty.
 */
#include <linux/module.h>
#include <linux/mmu_notifier.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>

static const struct mmu_notifier_ops lockstep_notifier_ops;

static ssize_t lockstep_notifier_write(struct file *file, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	struct mmu_notifier *sub;
	int ret;

	if (!current->mm)
		return -EINVAL;
	sub = kzalloc(sizeof(*sub), GFP_KERNEL);
	if (!sub)
		return -ENOMEM;
	sub->ops = &lockstep_notifier_ops;
	ret = mmu_notifier_register(sub, current->mm);	/* mm_take_all_locks() */
	if (ret) {
		kfree(sub);
		return ret;
	}
	mmu_notifier_unregister(sub, current->mm);	/* waits for SRCU readers */
	kfree(sub);
	return count;
}

static const struct proc_ops lockstep_notifier_proc_ops = {
	.proc_write = lockstep_notifier_write,
};

static struct proc_dir_entry *lockstep_notifier_entry;

static int __init lockstep_notifier_init(void)
{
	lockstep_notifier_entry = proc_create("lockstep_mmu_notifier", 0200, NULL,
					      &lockstep_notifier_proc_ops);
	return lockstep_notifier_entry ? 0 : -ENOMEM;
}

static void __exit lockstep_notifier_exit(void)
{
	proc_remove(lockstep_notifier_entry);
}

module_init(lockstep_notifier_init);
module_exit(lockstep_notifier_exit);
MODULE_DESCRIPTION("lockstep test VM: MMU notifier registrations on demand");
MODULE_LICENSE("GPL");
