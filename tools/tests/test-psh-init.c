// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of psh-init's pure functions: the /etc/psh.conf parser
 * (conf_parse()) and the capture kernel command line builder
 * (build_capture_cmdline()).  Prints TAP; exit status 1 if a test failed.
 *
 *   gcc -Wall -Wextra -Werror -std=gnu11 -o build/host/test-psh-init \
 *       tests/test-psh-init.c && build/host/test-psh-init     (in tools/)
 */

#define PSH_INIT_NO_MAIN
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../psh-init.c"

#define X86_OPTS	"1 irqpoll nr_cpus=1 reset_devices"

struct tap {
	int count;
	int failed;
};

static void tap_ok(struct tap *t, bool ok, const char *name)
{
	t->count++;
	if (!ok)
		t->failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", t->count, name);
}

static void tap_str(struct tap *t, const char *got, const char *want,
		    const char *name)
{
	tap_ok(t, !strcmp(got, want), name);
	if (strcmp(got, want))
		printf("#   got:  '%s'\n#   want: '%s'\n", got, want);
}

struct cmdline_case {
	const char *name;
	const char *running;
	const char *append;
	const char *want;
};

static const struct cmdline_case cmdline_cases[] = {
	{ "crashkernel= and psh.* dropped",
	  "console=ttyS0 crashkernel=256M psh.scenario=x panic=-1\n", "",
	  "console=ttyS0 panic=-1 " X86_OPTS },
	{ "capture_append goes last",
	  "console=ttyS0 crashkernel=256M", "loglevel=8  ignore_loglevel",
	  "console=ttyS0 " X86_OPTS " loglevel=8 ignore_loglevel" },
	{ "every crashkernel= word, quoted values kept",
	  "crashkernel=1G,high dyndbg=\"file x.c +p\" crashkernel=128M,low",
	  "", "dyndbg=\"file x.c +p\" " X86_OPTS },
	{ "quoted psh.* dropped",
	  "\"psh.x=a b\" root=/dev/ram0", "", "root=/dev/ram0 " X86_OPTS },
	{ "only prefixes match",
	  "xcrashkernel=1 mypsh.a=1 psh crashkernel", "",
	  "xcrashkernel=1 mypsh.a=1 psh crashkernel " X86_OPTS },
	{ "init arguments stay after --",
	  "console=ttyS0 crashkernel=256M -- foo psh.bar", "a=1",
	  "console=ttyS0 " X86_OPTS " a=1 -- foo" },
	{ "empty command line", "", "", X86_OPTS },
	{ "blanks normalised", " \tquiet  \t  ro \n", "",
	  "quiet ro " X86_OPTS },
};

static void test_cmdline(struct tap *t)
{
	char out[CMDLINE_MAX];
	size_t i;

	for (i = 0; i < sizeof(cmdline_cases) / sizeof(cmdline_cases[0]); i++) {
		const struct cmdline_case *c = &cmdline_cases[i];
		int ret = build_capture_cmdline(c->running, X86_OPTS, c->append,
						out, sizeof(out));

		char name[128];

		snprintf(name, sizeof(name), "%s: builds", c->name);
		tap_ok(t, ret == 0, name);
		snprintf(name, sizeof(name), "%s: command line", c->name);
		tap_str(t, out, c->want, name);
	}
	tap_ok(t, build_capture_cmdline("console=ttyS0", X86_OPTS, "", out,
					10) == -1, "overflow is reported");
	tap_ok(t, build_capture_cmdline("ab", "cd", "", out, 6) == 0 &&
	       !strcmp(out, "ab cd"), "exact fit");
}

static void test_conf_defaults(struct tap *t)
{
	struct psh_conf conf;
	char err[256];
	int errors;

	conf_init(&conf);
	errors = conf_parse(&conf, "# nothing\n\n   \n", err, sizeof(err));
	tap_ok(t, errors == 0 && !err[0], "comments and blank lines");
	tap_ok(t, conf.crash_kernel && conf.save_vmcore && !conf.shell &&
	       conf.trigger_kind == TRIGGER_SYSRQ &&
	       !strcmp(conf.trigger, "sysrq") && conf.trigger_cpu == 0 &&
	       conf.init_cpu == -1 && conf.panic_wait == 30 &&
	       conf.dump_level == 23 && !conf.capture_append[0] && !conf.setup[0] &&
	       !conf.capture_setup[0], "defaults");
}

static void test_conf_values(struct tap *t)
{
	static const char text[] =
		"# scenario: hard lockup on cpu 1\r\n"
		"crash_kernel = no\r\n"
		"  trigger=lkdtm:HARDLOCKUP\n"
		"trigger_cpu=1\n"
		"init_cpu=0\n"
		"panic_wait=90\n"
		"save_vmcore=no\n"
		"dump_level=31\n"
		"capture_append=loglevel=8 ignore_loglevel\n"
		"setup=echo 1 > /proc/sys/kernel/hardlockup_panic # not a comment\n"
		"capture_setup=ls /dev=x\n"
		"shell=no";	/* no final newline */
	struct psh_conf conf;
	char err[256];
	int errors;

	conf_init(&conf);
	errors = conf_parse(&conf, text, err, sizeof(err));
	tap_ok(t, errors == 0, "all keys parse");
	if (errors)
		printf("#   %s\n", err);
	tap_ok(t, !conf.crash_kernel && !conf.save_vmcore && !conf.shell,
	       "booleans");
	tap_ok(t, conf.trigger_kind == TRIGGER_LKDTM &&
	       !strcmp(conf.trigger, "lkdtm:HARDLOCKUP"), "lkdtm trigger");
	tap_ok(t, conf.dump_level == 31, "dump level");
	tap_ok(t, conf.trigger_cpu == 1 && conf.init_cpu == 0 &&
	       conf.panic_wait == 90, "numbers");
	tap_str(t, conf.capture_append, "loglevel=8 ignore_loglevel",
		"capture_append");
	tap_str(t, conf.setup,
		"echo 1 > /proc/sys/kernel/hardlockup_panic # not a comment",
		"setup is verbatim");
	tap_str(t, conf.capture_setup, "ls /dev=x", "capture_setup");

	conf_init(&conf);
	errors = conf_parse(&conf, "trigger=none\nshell=yes\ntrigger=sysrq\n",
			    err, sizeof(err));
	tap_ok(t, errors == 0 && conf.shell &&
	       conf.trigger_kind == TRIGGER_SYSRQ, "a later key wins");
	conf_init(&conf);
	errors = conf_parse(&conf, "trigger=none\n", err, sizeof(err));
	tap_ok(t, errors == 0 && conf.trigger_kind == TRIGGER_NONE,
	       "trigger=none");
	conf_init(&conf);
	errors = conf_parse(&conf, "trigger=reboot\n", err, sizeof(err));
	tap_ok(t, errors == 0 && conf.trigger_kind == TRIGGER_REBOOT,
	       "trigger=reboot");
	conf_init(&conf);
	tap_ok(t, conf.reboot_cpu == -1, "reboot_cpu unset by default");
	errors = conf_parse(&conf, "trigger=kexec\nreboot_cpu=1\n", err,
			    sizeof(err));
	tap_ok(t, errors == 0 && conf.trigger_kind == TRIGGER_KEXEC &&
	       conf.reboot_cpu == 1, "trigger=kexec, reboot_cpu=1");
	conf_init(&conf);
	tap_ok(t, conf.kexec_loader == DEFAULT_KEXEC_LOADER &&
	       conf.kexec_loader == LOADER_TOOLS,
	       "kexec_loader defaults to tools (host build: x86_64)");
	errors = conf_parse(&conf, "kexec_loader=syscall\n", err, sizeof(err));
	tap_ok(t, errors == 0 && conf.kexec_loader == LOADER_SYSCALL &&
	       !strcmp(loader_name(conf.kexec_loader), "syscall"),
	       "kexec_loader=syscall");
	errors = conf_parse(&conf, "kexec_loader=tools\n", err, sizeof(err));
	tap_ok(t, errors == 0 && conf.kexec_loader == LOADER_TOOLS,
	       "kexec_loader=tools");
}

/* cmdline_has_word(): the kexec'd kernel's mark is a whole word. */
static void test_cmdline_has_word(struct tap *t)
{
	tap_ok(t, cmdline_has_word("console=ttyS0 psh.kexec=1", "psh.kexec=1"),
	       "mark at the end");
	tap_ok(t, cmdline_has_word("psh.kexec=1\tquiet", "psh.kexec=1"),
	       "mark first, tab after");
	tap_ok(t, !cmdline_has_word("psh.kexec=10 xpsh.kexec=1", "psh.kexec=1"),
	       "no partial words");
	tap_ok(t, !cmdline_has_word("\"a psh.kexec=1\"", "psh.kexec=1"),
	       "not inside quotes");
	tap_ok(t, !cmdline_has_word("", "psh.kexec=1"), "empty cmdline");
}

/* cpuinfo_ids(): whole keys only, values in CPU order. */
static void test_cpuinfo_ids(struct tap *t)
{
	static const char x86[] =
		"processor\t: 0\napicid\t\t: 0\ninitial apicid\t: 0\n\n"
		"processor\t: 1\napicid\t\t: 2\ninitial apicid\t: 2\n";
	static const char riscv[] =
		"processor\t: 0\nhart\t\t: 2\nisa\t\t: rv64imafdc\n"
		"hart isa\t: rv64imafdc_zicntr\nmmu\t\t: sv57\n\n"
		"processor\t: 1\nhart\t\t: 0\nhart isa\t: rv64imafdc\n\n"
		"processor\t: 2\nhart\t\t: 1\n\nprocessor\t: 3\nhart\t\t: 3";
	char ids[64];

	cpuinfo_ids(x86, "apicid", ids, sizeof(ids));
	tap_str(t, ids, "0 2", "cpuinfo: x86 apicid, not initial apicid");
	cpuinfo_ids(riscv, "hart", ids, sizeof(ids));
	tap_str(t, ids, "2 0 1 3", "cpuinfo: riscv hart, not hart isa");
	cpuinfo_ids("no colon here\nhart\n: 5\n", "hart", ids, sizeof(ids));
	tap_str(t, ids, "", "cpuinfo: a key without ':' on its line");
}

struct bad_case {
	const char *text;
	const char *err;	/* expected first error */
};

static const struct bad_case bad_cases[] = {
	{ "crash_kernel=maybe", "line 1: crash_kernel: bad value 'maybe'" },
	{ "\n\ntrigger=lkdtm:", "line 3: trigger: bad value" },
	{ "trigger=lkdtm:A B", "line 1: trigger: bad value" },
	{ "trigger=panic", "line 1: trigger: bad value" },
	{ "trigger_cpu=-1", "line 1: trigger_cpu: bad value" },
	{ "trigger_cpu=1x", "line 1: trigger_cpu: bad value" },
	{ "init_cpu=", "line 1: init_cpu: bad value" },
	{ "reboot_cpu=x", "line 1: reboot_cpu: bad value" },
	{ "panic_wait=86401", "line 1: panic_wait: bad value" },
	{ "save_vmcore=YES", "line 1: save_vmcore: bad value" },
	{ "dump_level=32", "line 1: dump_level: bad value '32', expected a makedumpfile dump level, 0 to 31" },
	{ "kexec_loader=kexec", "line 1: kexec_loader: bad value 'kexec', expected tools or syscall" },
	{ "trgger=sysrq", "line 1: unknown key 'trgger'" },
	{ "shell yes", "line 1: expected KEY=VALUE" },
};

static void test_conf_errors(struct tap *t)
{
	struct psh_conf conf;
	char err[256], name[128];
	size_t i;
	int errors;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		conf_init(&conf);
		errors = conf_parse(&conf, c->text, err, sizeof(err));
		snprintf(name, sizeof(name), "bad config %zu: %s", i, c->err);
		tap_ok(t, errors == 1 && !strncmp(err, c->err, strlen(c->err)),
		       name);
		if (errors != 1 || strncmp(err, c->err, strlen(c->err)))
			printf("#   errors=%d err='%s'\n", errors, err);
	}
	conf_init(&conf);
	errors = conf_parse(&conf, "a=1\nshell=yes\nb=2\n", err, sizeof(err));
	tap_ok(t, errors == 2 && conf.shell &&
	       !strncmp(err, "line 1:", 7),
	       "parsing goes on after an error; first error reported");
}

int main(void)
{
	struct tap t = { 0 };

	test_cmdline(&t);
	test_conf_defaults(&t);
	test_conf_values(&t);
	test_conf_errors(&t);
	test_cmdline_has_word(&t);
	test_cpuinfo_ids(&t);
	printf("1..%d\n", t.count);
	return t.failed ? 1 : 0;
}
