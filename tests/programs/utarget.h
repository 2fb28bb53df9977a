/* SPDX-License-Identifier: GPL-2.0 */
/* utarget's functions the uprobe cases probe (utarget.c says what each does). */
#ifndef _UTARGET_H
#define _UTARGET_H

long utarget_main(long *sp);
long kpc_ufunc(long x);
long kpc_ualloc(long size);
long kpc_usleep(long ms);
long kpc_urecurse(long depth);
long kpc_uforkin(long x);

#endif /* _UTARGET_H */
