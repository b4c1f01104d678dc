/* The enclave's record of epoll registrations (see epoll_map.c). */
#ifndef SCONCE_EPOLL_MAP_H
#define SCONCE_EPOLL_MAP_H

#include <stdint.h>
#include <sys/epoll.h>

#define RT_MAX_FD (1 << 20)

struct epoll_undo {
	void *reg;          /* NULL: nothing was recorded */
	int epfd, fd;
	uint64_t old_data;
	uint8_t old_state;
};

/* Record the registration before epoll_ctl goes to the host... */
long rt_epoll_ctl_begin(int epfd, int op, int fd, uint64_t data, struct epoll_undo *u) RT_HIDDEN;
/* ...and undo it if the host's answer was an error. */
void rt_epoll_ctl_end(const struct epoll_undo *u, long ret) RT_HIDDEN;
/* Replace the descriptor numbers the host returned by the application's
 * data; returns how many events remain.  A lie is a security failure. */
long rt_epoll_translate(const char *name, int epfd, struct epoll_event *ev, long n) RT_HIDDEN;
/* fd was closed (or replaced by dup2/dup3). */
void rt_epoll_closed(int fd) RT_HIDDEN;

#endif
