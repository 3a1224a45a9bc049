/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /dev/okvm character device.
 */
#ifndef _OKVM_DEV_H
#define _OKVM_DEV_H

int okvm_dev_register(const char *name);
void okvm_dev_unregister(void);

#endif /* _OKVM_DEV_H */
