/*
 * An application that happens to define names the runtime uses inside
 * (conn_new as memcached does, rt, fsv, fs_init, net_poll, rt_forward,
 * rt_yield ...) and names of the OpenSSL the runtime's shields contain
 * (SHA256, EVP_MD_fetch, OPENSSL_ia32cap_P), with other types and
 * meanings.  It must link, and each side must keep its own: the program
 * then does I/O, a thread and a sleep, which run through the runtime's
 * versions, and checks that its own were neither replaced nor overwritten.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int rt[4] = { 1, 2, 3, 4 };
char fsv[16] = "application fsv";
unsigned OPENSSL_ia32cap_P[4] = { 7, 7, 7, 7 };

int conn_new(int fd, int state);
int conn_new(int fd, int state) { return fd * 100 + state; }
int fs_init(void);
int fs_init(void) { return 42; }
int net_poll(int n);
int net_poll(int n) { return -n; }
long rt_forward(long x);
long rt_forward(long x) { return x + 1; }
void rt_yield(int *p);
void rt_yield(int *p) { *p = 5; }
int SHA256(const char *s);
int SHA256(const char *s) { return (int)strlen(s); }
const char *EVP_MD_fetch(void);
const char *EVP_MD_fetch(void) { return "mine"; }

static void *worker(void *arg)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
	*(int *)arg = conn_new(3, 7);
	return NULL;
}

int main(void)
{
	int from_thread = 0, y = 0;
	pthread_t t;
	char buf[64];
	FILE *f = tmpfile();

	if (!f || fprintf(f, "written %d\n", fs_init()) < 0 || fseek(f, 0, SEEK_SET) ||
	    !fgets(buf, sizeof buf, f) || fclose(f))
		return 10;
	if (pthread_create(&t, NULL, worker, &from_thread) || pthread_join(t, NULL))
		return 11;
	rt_yield(&y);
	printf("%s", buf);
	printf("conn_new %d fs_init %d net_poll %d rt_forward %ld rt_yield %d\n",
	       from_thread, fs_init(), net_poll(9), rt_forward(41), y);
	printf("SHA256 %d EVP_MD_fetch %s\n", SHA256("abc"), EVP_MD_fetch());
	printf("rt %d %d %d %d fsv %s ia32cap %u\n", rt[0], rt[1], rt[2], rt[3], fsv,
	       OPENSSL_ia32cap_P[0] + OPENSSL_ia32cap_P[3]);
	return 0;
}
