/*
 * Host signals for the application.  Every host thread blocks the signals
 * an application may want to handle; one thread waits for them and posts
 * each into the control block, waking an ethread.  The enclave decides
 * what the signal means (handler, ignore, default action).
 *
 * SIGABRT is among them so that `kill -ABRT` (a supervisor's watchdog, a
 * test) reaches the application's handler.  The launcher's own abort()
 * is not caught here: glibc unblocks SIGABRT in the aborting thread and
 * sends it to that thread, and sigwaitinfo takes only signals sent to the
 * process or to the waiting thread.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "sim.h"
#include "queue.h"

static struct sconce_control *ctl;
static sigset_t forwarded;

void host_signals_block(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGUSR1, SIGUSR2, SIGTERM,
				    SIGALRM, SIGWINCH, SIGCONT, SIGTSTP, SIGXCPU };
	sigemptyset(&forwarded);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&forwarded, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &forwarded, NULL);
}

static void *signal_main(void *arg)
{
	(void)arg;
	for (;;) {
		siginfo_t si;
		int s = sigwaitinfo(&forwarded, &si);
		if (s <= 0)
			continue;
		if (__atomic_load_n(&ctl->sig_default, __ATOMIC_SEQ_CST) & (1ull << (s - 1))) {
			if (s == SIGTSTP) {
				kill(getpid(), SIGSTOP);
				continue;
			}
			signal(s, SIG_DFL);
			pthread_sigmask(SIG_UNBLOCK, &forwarded, NULL);
			raise(s);
		}
		__atomic_fetch_or(&ctl->signals, 1ull << (s - 1), __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&ctl->wake_seq, 1, __ATOMIC_SEQ_CST);
		futex_wake(&ctl->wake_seq, 1);
		/* With no ethread asleep to wake, each may be waiting in a
		 * host call of its own: they return to take the signal. */
		if (!__atomic_load_n(&ctl->ethreads_idle, __ATOMIC_SEQ_CST))
			slot_interrupt_ethreads();
	}
	return NULL;
}

int host_signals_start(struct enclave *e)
{
	pthread_t th;
	pthread_attr_t attr;
	ctl = (struct sconce_control *)(e->shared + e->boot->control_off);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int r = pthread_create(&th, &attr, signal_main, NULL);
	pthread_attr_destroy(&attr);
	if (r) {
		host_err("signal thread: %s", strerror(r));
		return -1;
	}
	pthread_setname_np(th, "sconce-signals");
	return 0;
}
