// SPDX-License-Identifier: GPL-2.0
/*
 * The device node (/dev/okvm by default) and its ioctls, with KVM's numbers
 * and structures from <linux/kvm.h>.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/kvm.h>

#include <okvm/caps.h>
#include <okvm/cpuid.h>
#include <okvm/dev.h>
#include <okvm/mce.h>
#include <okvm/msr.h>
#include <okvm/vm.h>

/*
 * KVM_GET_DEVICE_ATTR and KVM_HAS_DEVICE_ATTR on the device: group 0's
 * KVM_X86_XCOMP_GUEST_SUPP, the XSAVE components a guest may enable, as
 * in KVM; anything else ENXIO. @get is false for KVM_HAS_DEVICE_ATTR.
 */
static int okvm_dev_attr(struct kvm_device_attr __user *argp, bool get)
{
	struct kvm_device_attr attr;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group || attr.attr != KVM_X86_XCOMP_GUEST_SUPP)
		return -ENXIO;
	if (get && put_user(okvm_guest_xfeatures(), (u64 __user *)u64_to_user_ptr(attr.addr)))
		return -EFAULT;
	return 0;
}

static long okvm_dev_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return okvm_check_extension(arg);
	case KVM_CREATE_VM:
		return okvm_create_vm(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : OKVM_RUN_PAGES * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return okvm_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return okvm_get_msr_index_list((void __user *)arg);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return okvm_get_msr_feature_index_list((void __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return okvm_mce_get_cap_supported((u64 __user *)arg);
	case KVM_GET_MSRS:
		return okvm_get_feature_msrs((void __user *)arg);
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR:
		return okvm_dev_attr((void __user *)arg, ioctl == KVM_GET_DEVICE_ATTR);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations okvm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = okvm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice okvm_miscdev = {
	.fops = &okvm_dev_fops,
};

/**
 * okvm_dev_register() - create the device node
 * @name: node name under /dev
 *
 * Under its own name okvm's node has a dynamic minor and mode 0600: only
 * root may create VMs unless the administrator says otherwise. Named "kvm"
 * it is a drop-in for KVM's node: KVM's minor, so that it and KVM's never
 * both exist (misc_register() answers -EBUSY for a taken minor), and KVM's
 * mode 0660, for the group udev gives it (Debian: kvm).
 *
 * Return: 0 or the error of misc_register().
 */
int okvm_dev_register(const char *name)
{
	bool drop_in = !strcmp(name, "kvm");

	okvm_miscdev.name = name;
	okvm_miscdev.minor = drop_in ? KVM_MINOR : MISC_DYNAMIC_MINOR;
	okvm_miscdev.mode = drop_in ? 0660 : 0600;
	return misc_register(&okvm_miscdev);
}

/**
 * okvm_dev_unregister() - remove the device node
 */
void okvm_dev_unregister(void)
{
	misc_deregister(&okvm_miscdev);
}
