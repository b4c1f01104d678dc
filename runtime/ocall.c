/*
 * Leaving the enclave: the synchronous ocall path and the messages the
 * runtime sends out (logs, security errors, process exit).
 */
#include <stdarg.h>
#include <string.h>
#include "rt.h"

long rt_ocall(uint64_t code, const uint64_t args[6])
{
	return RT_READ_ONCE(rt_frame_exit(code, 0, args)->ret);
}

/* Send a message to the host; it is copied, never referenced in place. */
static void send_text(uint64_t code, const char *msg)
{
	size_t len = strlen(msg);
	struct rt_ethread *self = rt_self();
	if (len > SCONCE_MSG_SIZE)
		len = SCONCE_MSG_SIZE;
	memcpy(self->msg, msg, len);
	uint64_t args[6] = { (uint64_t)(uintptr_t)self->msg, len };
	rt_ocall(code, args);
}

void rt_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	extern int rt_vsnprintf(char *, size_t, const char *, va_list) RT_HIDDEN;
	rt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	send_text(SCONCE_OCALL_LOG, buf);
}

void rt_publish_stats(void)
{
	struct sconce_control *c = rt.ctl;
	if (!c)
		return;
	c->st_async = c->st_sync = c->st_exits = c->st_switches = 0;
	c->st_threads = c->st_futex_waits = c->st_idle = 0;
	c->st_deferred = c->st_fused = 0;
	for (uint32_t i = 0; i < rt.layout->ethreads; i++) {
		const struct rt_ethread *e = (const void *)(rt.base + rt.layout->ethread[i].ctl_off);
		c->st_async += e->st_async;
		c->st_sync += e->st_sync;
		c->st_exits += e->st_exits;
		c->st_switches += e->st_switches;
		c->st_threads += e->st_threads;
		c->st_futex_waits += e->st_futex_waits;
		c->st_idle += e->st_idle;
		c->st_deferred += e->st_deferred;
		c->st_fused += e->st_fused;
	}
}

void rt_exit_process(int status)
{
	rt_publish_stats();
	uint64_t args[6] = { (uint64_t)(unsigned)status };
	for (;;)
		rt_ocall(SCONCE_OCALL_EXIT, args);
}

void rt_die_by_signal(int sig)
{
	rt_publish_stats();
	uint64_t args[6] = { (uint64_t)sig };
	rt_ocall(SCONCE_OCALL_KILLED, args);
	/* A host that resumes us anyway gets a fault, not a running app. */
	for (;;)
		__builtin_trap();
}

void rt_security_fail(const char *call, const char *rule)
{
	char buf[256];
	rt_snprintf(buf, sizeof(buf), "%s: %s", call, rule);
	send_text(SCONCE_OCALL_SECURITY, buf);
	for (;;)
		__builtin_trap();
}

void rt_fatal(const char *what)
{
	char buf[256];
	rt_snprintf(buf, sizeof(buf), "fatal: %s", what);
	send_text(SCONCE_OCALL_LOG, buf);
	rt_die_by_signal(6);
}

/* Called on every switch between application threads. */
void rt_set_fs(uint64_t fs)
{
	struct rt_ethread *self = rt_self();
	self->fsbase = fs;
	if (self->fsgsbase) {
		__asm__ volatile("wrfsbase %0" : : "r"(fs) : "memory");
	} else {
		uint64_t args[6] = { fs };
		rt_ocall(SCONCE_OCALL_SET_FS, args);
	}
}
