// SPDX-License-Identifier: GPL-2.0
/*
 * The one instance of okvm's tracepoints: CREATE_TRACE_POINTS makes
 * trace/okvm_trace.h emit the events' code and data here, once per module.
 */
#define CREATE_TRACE_POINTS
#include "trace/okvm_trace.h"
