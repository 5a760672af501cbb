// SPDX-License-Identifier: GPL-2.0
/*
 * stamp - prefix every line of stdin with the time it arrived
 *
 * Usage: stamp [-a | -z EPOCH] < INPUT > OUTPUT
 *   e.g. qemu-system-x86_64 ... -serial stdio | stamp > console.log
 *
 * Copies stdin to stdout.  Each line gets a prefix taken when its first
 * byte arrives:
 *   "[   12.345678] "     seconds since stamp started (CLOCK_MONOTONIC),
 *                         formatted like the kernel's printk times
 *   "[1763712345.123456] " with -a: absolute CLOCK_REALTIME seconds
 *   "[   12.345678] "     with -z EPOCH: seconds since EPOCH, a
 *                         CLOCK_REALTIME instant such as "date +%s.%N"
 *                         printed; two stamps given the same EPOCH (a
 *                         console and a QMP event log) share one time axis
 *
 * Every '\r' is dropped (a serial console sends "\r\n").  Lines of any
 * length are streamed, not buffered whole: a partial line (a prompt, or a
 * line still arriving) is written as soon as it is read, and output is
 * flushed after each read(), so "tail -f" on the output follows live.
 * A last line without '\n' is terminated with one.
 *
 * Exit status: 0 at end of input, 1 on a read, write or clock error
 * (reported on stderr), 2 on a usage error.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct stamp {
	clockid_t clock;
	struct timespec origin;	/* subtracted from every reading */
	bool absolute;
	bool at_line_start;
	FILE *out;
};

/* Parse "SECONDS[.FRACTION]" into ts; returns -1 if malformed. */
static int parse_epoch(const char *arg, struct timespec *ts)
{
	long long sec;
	char frac[10] = "000000000";
	int used = 0, n = 0;

	if (sscanf(arg, "%lld%n", &sec, &used) != 1 || sec < 0)
		return -1;
	arg += used;
	if (*arg == '.') {
		for (arg++; *arg >= '0' && *arg <= '9'; arg++)
			if (n < 9)
				frac[n++] = *arg;
	}
	if (*arg)
		return -1;
	ts->tv_sec = sec;
	ts->tv_nsec = atol(frac);
	return 0;
}

static int stamp_init(struct stamp *st, bool absolute, const char *epoch,
		      FILE *out)
{
	memset(st, 0, sizeof(*st));
	st->absolute = absolute;
	st->at_line_start = true;
	st->out = out;
	st->clock = absolute || epoch ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if (epoch) {
		if (parse_epoch(epoch, &st->origin)) {
			fprintf(stderr, "stamp: -z %s: not SECONDS[.FRACTION]\n",
				epoch);
			return -1;
		}
	} else if (!absolute && clock_gettime(st->clock, &st->origin)) {
		perror("stamp: clock_gettime");
		return -1;
	}
	return 0;
}

static int put_prefix(const struct stamp *st)
{
	struct timespec now;
	long long sec;
	long nsec;

	if (clock_gettime(st->clock, &now)) {
		perror("stamp: clock_gettime");
		return -1;
	}
	sec = (long long)now.tv_sec - st->origin.tv_sec;
	nsec = now.tv_nsec - st->origin.tv_nsec;
	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	fprintf(st->out, st->absolute ? "[%lld.%06ld] " : "[%5lld.%06ld] ",
		sec, nsec / 1000);
	return 0;
}

/* Copy one chunk of input, adding prefixes and dropping '\r'. */
static int stamp_chunk(struct stamp *st, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t end;

		if (buf[i] == '\r') {
			i++;
			continue;
		}
		if (st->at_line_start) {
			if (put_prefix(st))
				return -1;
			st->at_line_start = false;
		}
		end = i;
		while (end < len && buf[end] != '\n' && buf[end] != '\r')
			end++;
		if (end < len && buf[end] == '\n') {
			end++;
			st->at_line_start = true;
		}
		fwrite(buf + i, 1, end - i, st->out);
		i = end;
	}
	return 0;
}

static int flush_out(FILE *out)
{
	if (fflush(out) || ferror(out)) {
		perror("stamp: write");
		return -1;
	}
	return 0;
}

static int stamp_stream(struct stamp *st, int in)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("stamp: read");
			return -1;
		}
		if (n == 0)
			break;
		if (stamp_chunk(st, buf, n) || flush_out(st->out))
			return -1;
	}
	if (!st->at_line_start)
		fputc('\n', st->out);
	return flush_out(st->out);
}

int main(int argc, char **argv)
{
	const char *epoch = NULL;
	bool absolute = false;
	struct stamp st;
	int opt;

	while ((opt = getopt(argc, argv, "az:h")) != -1) {
		switch (opt) {
		case 'a':
			absolute = true;
			break;
		case 'z':
			epoch = optarg;
			break;
		case 'h':
			printf("usage: stamp [-a | -z EPOCH] < input > output\n");
			return 0;
		default:
			fprintf(stderr, "usage: stamp [-a | -z EPOCH] < input > output\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: stamp [-a | -z EPOCH] < input > output\n");
		return 2;
	}
	if (absolute && epoch) {
		fprintf(stderr, "usage: stamp [-a | -z EPOCH] < input > output\n");
		return 2;
	}
	if (stamp_init(&st, absolute, epoch, stdout))
		return 1;
	return stamp_stream(&st, STDIN_FILENO) ? 1 : 0;
}
