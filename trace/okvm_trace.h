/* SPDX-License-Identifier: GPL-2.0 */
/*
 * okvm's tracepoints (TRACE_SYSTEM okvm): the MMU's faults, retries, zaps,
 * mmu_notifier invalidations and TLB flushes, every exit from the guest,
 * and the in-kernel APIC's accesses, messages, injections and timer.
 * Documentation/trace.rst says when each fires and what its fields mean.
 *
 * core/trace.c instantiates the events (CREATE_TRACE_POINTS). The files
 * that fire them include this header by its path from okvm's top
 * directory, which Kbuild puts in the include path; that is also where the
 * kernel's define_trace.h finds TRACE_INCLUDE_PATH/TRACE_INCLUDE_FILE.h
 * when it reads this file again to generate the events' code.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM okvm

#if !defined(_OKVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _OKVM_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#include <okvm/mmu.h>

#ifndef _OKVM_TRACE_ONCE
#define _OKVM_TRACE_ONCE

/* What okvm_mmu_page_fault() did, as okvm_page_fault reports it. */
enum okvm_trace_pf_result {
	OKVM_TRACE_PF_MAPPED,
	OKVM_TRACE_PF_RETRY,
	OKVM_TRACE_PF_EMULATE,
	OKVM_TRACE_PF_ERROR,
};

/* Which callback of the mmu_notifier okvm_notifier_invalidate reports. */
enum okvm_trace_invalidate {
	OKVM_TRACE_INVALIDATE_START,
	OKVM_TRACE_INVALIDATE_END,
};

/* What okvm_gpc reports of a gfn-to-pfn cache. */
enum okvm_trace_gpc {
	OKVM_TRACE_GPC_REFRESH,
	OKVM_TRACE_GPC_INVALIDATE,
	OKVM_TRACE_GPC_LOCK_FAIL,
};

/*
 * A fault returns 1 both when it mapped the gfn and when it gave up for the
 * guest to retry; only the retry reason tells them apart.
 */
static inline enum okvm_trace_pf_result
okvm_trace_pf_result(int ret, enum okvm_fault_retry why)
{
	if (ret < 0)
		return OKVM_TRACE_PF_ERROR;
	if (ret == OKVM_PF_EMULATE)
		return OKVM_TRACE_PF_EMULATE;
	return why == OKVM_FAULT_NO_RETRY ? OKVM_TRACE_PF_MAPPED : OKVM_TRACE_PF_RETRY;
}

#endif /* _OKVM_TRACE_ONCE */

/* Enum values in the print formats, resolved for tools that parse them. */
TRACE_DEFINE_ENUM(OKVM_TRACE_PF_MAPPED);
TRACE_DEFINE_ENUM(OKVM_TRACE_PF_RETRY);
TRACE_DEFINE_ENUM(OKVM_TRACE_PF_EMULATE);
TRACE_DEFINE_ENUM(OKVM_TRACE_PF_ERROR);
TRACE_DEFINE_ENUM(OKVM_FAULT_RETRY_INVALIDATING);
TRACE_DEFINE_ENUM(OKVM_FAULT_RETRY_SEQ_CHANGED);
TRACE_DEFINE_ENUM(OKVM_FAULT_RETRY_LOST_RACE);
TRACE_DEFINE_ENUM(OKVM_FAULT_RETRY_INTERRUPTED);
TRACE_DEFINE_ENUM(OKVM_FAULT_RETRY_SLOT_INVALID);
TRACE_DEFINE_ENUM(OKVM_TRACE_INVALIDATE_START);
TRACE_DEFINE_ENUM(OKVM_TRACE_INVALIDATE_END);

TRACE_EVENT(okvm_page_fault,
	    TP_PROTO(u32 vcpu_id, u64 gpa, bool write, int ret, enum okvm_fault_retry why),
	    TP_ARGS(vcpu_id, gpa, write, ret, why),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u64, gpa)
			     __field(bool, write)
			     __field(u8, result)
			     __field(int, error)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->gpa = gpa;
			   __entry->write = write;
			   __entry->result = okvm_trace_pf_result(ret, why);
			   __entry->error = ret < 0 ? ret : 0;),
	    TP_printk("vcpu=%u gpa=0x%llx write=%d result=%s error=%d",
		      __entry->vcpu_id, __entry->gpa, __entry->write,
		      __print_symbolic(__entry->result,
				       { OKVM_TRACE_PF_MAPPED, "mapped" },
				       { OKVM_TRACE_PF_RETRY, "retry" },
				       { OKVM_TRACE_PF_EMULATE, "emulate" },
				       { OKVM_TRACE_PF_ERROR, "error" }),
		      __entry->error)
);

/* Fires only for a fault that retries: the call site need not test @why. */
TRACE_EVENT_CONDITION(okvm_fault_retry,
		      TP_PROTO(u32 vcpu_id, gfn_t gfn, enum okvm_fault_retry why),
		      TP_ARGS(vcpu_id, gfn, why),
		      TP_CONDITION(why != OKVM_FAULT_NO_RETRY),
		      TP_STRUCT__entry(__field(u32, vcpu_id)
				       __field(u64, gfn)
				       __field(u8, why)),
		      TP_fast_assign(__entry->vcpu_id = vcpu_id;
				     __entry->gfn = gfn;
				     __entry->why = why;),
		      TP_printk("vcpu=%u gfn=0x%llx why=%s",
				__entry->vcpu_id, __entry->gfn,
				__print_symbolic(__entry->why,
						 { OKVM_FAULT_RETRY_INVALIDATING, "invalidating" },
						 { OKVM_FAULT_RETRY_SEQ_CHANGED, "seq_changed" },
						 { OKVM_FAULT_RETRY_LOST_RACE, "lost_race" },
						 { OKVM_FAULT_RETRY_INTERRUPTED, "interrupted" },
						 { OKVM_FAULT_RETRY_SLOT_INVALID, "slot_invalid" }))
);

/* @zapped: leaves removed, of any size; 0 if nothing was mapped. */
TRACE_EVENT(okvm_zap_range,
	    TP_PROTO(gfn_t start, gfn_t end, u64 zapped),
	    TP_ARGS(start, end, zapped),
	    TP_STRUCT__entry(__field(u64, start)
			     __field(u64, end)
			     __field(u64, zapped)),
	    TP_fast_assign(__entry->start = start;
			   __entry->end = end;
			   __entry->zapped = zapped;),
	    TP_printk("start=0x%llx end=0x%llx zapped=%llu",
		      __entry->start, __entry->end, __entry->zapped)
);

/* @inhibits: the VM's inhibit reasons after @reason was set or cleared. */
TRACE_EVENT(okvm_apicv_inhibit,
	    TP_PROTO(u32 reason, bool set, unsigned long inhibits),
	    TP_ARGS(reason, set, inhibits),
	    TP_STRUCT__entry(__field(u32, reason)
			     __field(bool, set)
			     __field(unsigned long, inhibits)),
	    TP_fast_assign(__entry->reason = reason;
			   __entry->set = set;
			   __entry->inhibits = inhibits;),
	    TP_printk("reason=%u %s inhibits=0x%lx", __entry->reason,
		      __entry->set ? "set" : "cleared", __entry->inhibits)
);

TRACE_EVENT(okvm_notifier_invalidate,
	    TP_PROTO(unsigned long start, unsigned long end, enum okvm_trace_invalidate event),
	    TP_ARGS(start, end, event),
	    TP_STRUCT__entry(__field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(u8, event)),
	    TP_fast_assign(__entry->start = start;
			   __entry->end = end;
			   __entry->event = event;),
	    TP_printk("start=0x%lx end=0x%lx event=%s",
		      __entry->start, __entry->end,
		      __print_symbolic(__entry->event,
				       { OKVM_TRACE_INVALIDATE_START, "start" },
				       { OKVM_TRACE_INVALIDATE_END, "end" }))
);

TRACE_EVENT(okvm_gpc,
	    TP_PROTO(u64 gpa, u32 len, enum okvm_trace_gpc event, int result),
	    TP_ARGS(gpa, len, event, result),
	    TP_STRUCT__entry(__field(u64, gpa)
			     __field(u32, len)
			     __field(u8, event)
			     __field(int, result)),
	    TP_fast_assign(__entry->gpa = gpa;
			   __entry->len = len;
			   __entry->event = event;
			   __entry->result = result;),
	    TP_printk("gpa=0x%llx len=%u event=%s result=%d", __entry->gpa, __entry->len,
		      __print_symbolic(__entry->event,
				       { OKVM_TRACE_GPC_REFRESH, "refresh" },
				       { OKVM_TRACE_GPC_INVALIDATE, "invalidate" },
				       { OKVM_TRACE_GPC_LOCK_FAIL, "lock_fail" }),
		      __entry->result)
);

TRACE_EVENT(okvm_tlb_flush,
	    TP_PROTO(gfn_t start, u64 nr_pages),
	    TP_ARGS(start, nr_pages),
	    TP_STRUCT__entry(__field(u64, start)
			     __field(u64, nr_pages)),
	    TP_fast_assign(__entry->start = start;
			   __entry->nr_pages = nr_pages;),
	    TP_printk("start=0x%llx nr_pages=%llu", __entry->start, __entry->nr_pages)
);

TRACE_EVENT(okvm_vm_exit,
	    TP_PROTO(u32 vcpu_id, u32 exit_code, u64 rip, u64 info1, u64 info2),
	    TP_ARGS(vcpu_id, exit_code, rip, info1, info2),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u32, exit_code)
			     __field(u64, rip)
			     __field(u64, info1)
			     __field(u64, info2)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->exit_code = exit_code;
			   __entry->rip = rip;
			   __entry->info1 = info1;
			   __entry->info2 = info2;),
	    TP_printk("vcpu=%u exit_code=0x%x rip=0x%llx info1=0x%llx info2=0x%llx",
		      __entry->vcpu_id, __entry->exit_code, __entry->rip,
		      __entry->info1, __entry->info2)
);

TRACE_EVENT(okvm_apic_access,
	    TP_PROTO(u32 vcpu_id, u32 offset, bool write, u64 value),
	    TP_ARGS(vcpu_id, offset, write, value),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u32, offset)
			     __field(bool, write)
			     __field(u64, value)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->offset = offset;
			   __entry->write = write;
			   __entry->value = value;),
	    TP_printk("vcpu=%u %s offset=0x%x value=0x%llx", __entry->vcpu_id,
		      __entry->write ? "write" : "read", __entry->offset, __entry->value)
);

/* A message an APIC sent or accepted: two numbers about it. */
DECLARE_EVENT_CLASS(okvm_apic_message,
		    TP_PROTO(u32 vcpu_id, u32 a, u32 b),
		    TP_ARGS(vcpu_id, a, b),
		    TP_STRUCT__entry(__field(u32, vcpu_id)
				     __field(u32, a)
				     __field(u32, b)),
		    TP_fast_assign(__entry->vcpu_id = vcpu_id;
				   __entry->a = a;
				   __entry->b = b;),
		    TP_printk("vcpu=%u icr=0x%x dest=0x%x", __entry->vcpu_id, __entry->a,
			      __entry->b)
);

/* An ICR write: the low word, and the destination. */
DEFINE_EVENT(okvm_apic_message, okvm_apic_ipi,
	     TP_PROTO(u32 vcpu_id, u32 icr, u32 dest), TP_ARGS(vcpu_id, icr, dest));
/* An APIC accepted a message: its delivery mode, and vector. */
DEFINE_EVENT_PRINT(okvm_apic_message, okvm_apic_accept,
		   TP_PROTO(u32 vcpu_id, u32 mode, u32 vector), TP_ARGS(vcpu_id, mode, vector),
		   TP_printk("vcpu=%u mode=0x%x vector=0x%x", __entry->vcpu_id, __entry->a,
			     __entry->b));

/* An IOAPIC pin sent its entry's message: how many APICs took it. */
TRACE_EVENT(okvm_ioapic_send,
	    TP_PROTO(u32 pin, u64 redirect, int taken),
	    TP_ARGS(pin, redirect, taken),
	    TP_STRUCT__entry(__field(u32, pin)
			     __field(u64, redirect)
			     __field(int, taken)),
	    TP_fast_assign(__entry->pin = pin;
			   __entry->redirect = redirect;
			   __entry->taken = taken;),
	    TP_printk("pin=%u entry=0x%llx taken=%d", __entry->pin, __entry->redirect,
		      __entry->taken)
);

/* An NMI went into the guest; @pending more wait for its IRET. */
TRACE_EVENT(okvm_inject_nmi,
	    TP_PROTO(u32 vcpu_id, unsigned int pending),
	    TP_ARGS(vcpu_id, pending),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(unsigned int, pending)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->pending = pending;),
	    TP_printk("vcpu=%u pending=%u", __entry->vcpu_id, __entry->pending)
);

/* An ISA line of the PICs changed: KVM_IRQ_LINE's status for it. */
TRACE_EVENT(okvm_pic_set_irq,
	    TP_PROTO(u32 pin, bool level, int status),
	    TP_ARGS(pin, level, status),
	    TP_STRUCT__entry(__field(u32, pin)
			     __field(bool, level)
			     __field(int, status)),
	    TP_fast_assign(__entry->pin = pin;
			   __entry->level = level;
			   __entry->status = status;),
	    TP_printk("pin=%u level=%d status=%d", __entry->pin, __entry->level,
		      __entry->status)
);

/* A guest IN or OUT that an in-kernel device's port took. */
DECLARE_EVENT_CLASS(okvm_device_pio,
		    TP_PROTO(u16 port, bool in, u8 value),
		    TP_ARGS(port, in, value),
		    TP_STRUCT__entry(__field(u16, port)
				     __field(bool, in)
				     __field(u8, value)),
		    TP_fast_assign(__entry->port = port;
				   __entry->in = in;
				   __entry->value = value;),
		    TP_printk("port=0x%x %s 0x%x", __entry->port, __entry->in ? "in" : "out",
			      __entry->value)
);

/* ... a PIC or ELCR port. */
DEFINE_EVENT(okvm_device_pio, okvm_pic_pio,
	     TP_PROTO(u16 port, bool in, u8 value),
	     TP_ARGS(port, in, value));

/* ... a PIT port. */
DEFINE_EVENT(okvm_device_pio, okvm_pit_pio,
	     TP_PROTO(u16 port, bool in, u8 value),
	     TP_ARGS(port, in, value));

/* The PIT's counter 0 sent an edge on IRQ 0; its period, 0 for a one-shot. */
TRACE_EVENT(okvm_pit_irq,
	    TP_PROTO(u64 period_ns),
	    TP_ARGS(period_ns),
	    TP_STRUCT__entry(__field(u64, period_ns)),
	    TP_fast_assign(__entry->period_ns = period_ns;),
	    TP_printk("period_ns=%llu", __entry->period_ns)
);

/* KVM_SIGNAL_MSI: the message's address (low word) and data. */
TRACE_EVENT(okvm_msi,
	    TP_PROTO(u32 address_lo, u32 data),
	    TP_ARGS(address_lo, data),
	    TP_STRUCT__entry(__field(u32, address_lo)
			     __field(u32, data)),
	    TP_fast_assign(__entry->address_lo = address_lo;
			   __entry->data = data;),
	    TP_printk("address=0x%x data=0x%x", __entry->address_lo, __entry->data)
);

/* One number about a vCPU's APIC: a vector, unless the event says otherwise. */
DECLARE_EVENT_CLASS(okvm_apic_value,
		    TP_PROTO(u32 vcpu_id, u32 value),
		    TP_ARGS(vcpu_id, value),
		    TP_STRUCT__entry(__field(u32, vcpu_id)
				     __field(u32, value)),
		    TP_fast_assign(__entry->vcpu_id = vcpu_id;
				   __entry->value = value;),
		    TP_printk("vcpu=%u vector=0x%x", __entry->vcpu_id, __entry->value)
);

/* An interrupt injected into the guest. */
DEFINE_EVENT(okvm_apic_value, okvm_inject_irq,
	     TP_PROTO(u32 vcpu_id, u32 vector), TP_ARGS(vcpu_id, vector));
/* An EOI, and the vector it ended. */
DEFINE_EVENT(okvm_apic_value, okvm_apic_eoi,
	     TP_PROTO(u32 vcpu_id, u32 vector), TP_ARGS(vcpu_id, vector));
/* An expiry reached the vCPU, with LVTT then. */
DEFINE_EVENT_PRINT(okvm_apic_value, okvm_apic_timer_expired,
		   TP_PROTO(u32 vcpu_id, u32 lvtt), TP_ARGS(vcpu_id, lvtt),
		   TP_printk("vcpu=%u lvtt=0x%x", __entry->vcpu_id, __entry->value));
/* A vCPU goes to sleep in its KVM_MP_STATE. */
DEFINE_EVENT_PRINT(okvm_apic_value, okvm_vcpu_block,
		   TP_PROTO(u32 vcpu_id, u32 mp_state), TP_ARGS(vcpu_id, mp_state),
		   TP_printk("vcpu=%u mp_state=%u", __entry->vcpu_id, __entry->value));

TRACE_EVENT(okvm_apic_timer_start,
	    TP_PROTO(u32 vcpu_id, u32 count, u64 ns, u64 period_ns),
	    TP_ARGS(vcpu_id, count, ns, period_ns),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u32, count)
			     __field(u64, ns)
			     __field(u64, period_ns)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->count = count;
			   __entry->ns = ns;
			   __entry->period_ns = period_ns;),
	    TP_printk("vcpu=%u count=%u ns=%llu period_ns=%llu", __entry->vcpu_id,
		      __entry->count, __entry->ns, __entry->period_ns)
);

#endif /* _OKVM_TRACE_H */

/* Outside the guard: define_trace.h reads this file again, several times. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH trace
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE okvm_trace
#include <trace/define_trace.h>
