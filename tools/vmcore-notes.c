// SPDX-License-Identifier: GPL-2.0
/*
 * vmcore-notes - describe the ELF notes of a kdump vmcore
 *
 * Usage: vmcore-notes [--header-out FILE] VMCORE
 *
 * Reads the ELF header, the program headers and the PT_NOTE segments of
 * an ELF64 core file (/proc/vmcore in a kdump capture kernel, or a saved
 * header) and prints key=value lines on stdout, in this order:
 *
 *   class=ELF64
 *   machine=<x86_64|aarch64|ppc64|mips|riscv|e_machine=N>
 *   prstatus_count=<number of NT_PRSTATUS "CORE" notes>
 *   prstatus index=<i> pid=<pr_pid|short> pc=<0xHEX|unknown|short>
 *                                            (one line per NT_PRSTATUS)
 *   vmcoreinfo=<yes|no>
 *   osrelease=<OSRELEASE= value>          (only if in VMCOREINFO)
 *   crashtime=<CRASHTIME= value>          (only if in VMCOREINFO)
 *   kerneloffset=<KERNELOFFSET= value>    (only if in VMCOREINFO: the
 *                                          KASLR offset, hex, to map a pc
 *                                          back to System.map)
 *
 * pc is read from pr_reg (x86_64: rip, aarch64: pc, ppc64: nip, mips
 * (64-bit): cp0_epc, riscv (64-bit): pc, in either byte order, so
 * ppc64le and mips64el too);
 * it is "unknown" for
 * other machines and "short" when the prstatus desc is smaller than the
 * machine's struct elf_prstatus.  pid is "short" if the desc does not
 * reach pr_pid.  Non-printable bytes in VMCOREINFO values print as '?'.
 * Empty notes (namesz == 0 and descsz == 0, e.g. padding or per-CPU
 * notes that were never filled) are skipped and not counted; scanning a
 * segment stops when the rest of it is zero.
 *
 * --header-out FILE also copies bytes [0, end of the last PT_NOTE
 * segment) of VMCORE (at least the ELF and program headers) to FILE; the
 * result is a small, self-contained vmcore header usable as a test
 * fixture.  FILE is written once the program headers have been
 * validated, before the notes are parsed, so that a vmcore with bad notes
 * can still be captured.
 *
 * Only ELF64 is supported, in either byte order.  Nothing is mmapped:
 * every read is a bounded pread() and every size field is checked against
 * its container before it is used.
 *
 * Exit status: 0 on success, 1 on usage errors (usage on stderr), 2 if
 * VMCORE cannot be read or is malformed: then one line
 * "vmcore-notes: FILE: <problem>" is printed on stderr and nothing on
 * stdout.
 */

#define _FILE_OFFSET_BITS 64

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG			"vmcore-notes"

#define EHDR_SIZE		64	/* sizeof(Elf64_Ehdr) */
#define PHDR_SIZE		56	/* sizeof(Elf64_Phdr) */
#define NHDR_SIZE		12	/* sizeof(Elf64_Nhdr) */

/* Elf64_Ehdr field offsets */
#define E_TYPE			16
#define E_MACHINE		18
#define E_PHOFF			32
#define E_PHENTSIZE		54
#define E_PHNUM			56

/* Elf64_Phdr field offsets */
#define P_TYPE			0
#define P_OFFSET		8
#define P_FILESZ		32

/* struct elf_prstatus on 64-bit Linux */
#define PRSTATUS_PID_OFF	32
#define PRSTATUS_REG_OFF	112
#define PRSTATUS_SIZE_X86_64	336
#define PRSTATUS_SIZE_ARM64	392
#define PRSTATUS_SIZE_PPC64	504	/* pr_reg: ELF_NGREG 48, nip is [32] */
#define PRSTATUS_SIZE_MIPS64	480	/* pr_reg: ELF_NGREG 45, cp0_epc [34] */
#define PRSTATUS_SIZE_RISCV64	376	/* pr_reg: ELF_NGREG 32, pc [0] */
#define PRSTATUS_READ_MAX	512	/* covers every layout we decode */

#define NOTE_NAME_MAX		16	/* longest note name we compare */
#define VMCOREINFO_READ_MAX	(1024 * 1024)
#define IO_CHUNK		65536

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

enum pc_state {
	PC_KNOWN,
	PC_UNKNOWN,	/* machine whose pr_reg layout we do not decode */
	PC_SHORT,	/* desc smaller than the machine's elf_prstatus */
};

struct prstatus {
	bool pid_known;
	int32_t pid;
	enum pc_state pc_state;
	uint64_t pc;
};

struct note_seg {
	unsigned int phdr_index;
	uint64_t offset;
	uint64_t size;
};

/* Per-segment scan state */
struct seg_scan {
	const struct note_seg *seg;
	uint64_t pos;		/* offset of the next note in the segment */
	bool nonzero_known;	/* a non-zero byte was seen at nonzero_at */
	uint64_t nonzero_at;
};

struct vmcore {
	const char *path;
	int fd;
	uint64_t size;
	bool big_endian;
	uint16_t machine;
	uint64_t phoff;
	uint16_t phentsize;
	uint16_t phnum;
	uint64_t header_end;	/* end of headers and PT_NOTE segments */
	struct note_seg *segs;
	size_t nr_segs;
	struct prstatus *prs;
	size_t nr_prs;
	size_t cap_prs;
	bool have_vmcoreinfo;
	char *osrelease;
	char *crashtime;
	char *kerneloffset;
};

struct arch_info {
	uint16_t machine;
	const char *name;
	size_t prstatus_size;	/* 0: pc not decoded for this machine */
	unsigned int pc_reg;	/* index of the pc in pr_reg[] */
};

static const struct arch_info arches[] = {
	{ EM_X86_64,	"x86_64",	PRSTATUS_SIZE_X86_64,	16 },	/* rip */
	{ EM_AARCH64,	"aarch64",	PRSTATUS_SIZE_ARM64,	32 },	/* pc */
	{ EM_PPC64,	"ppc64",	PRSTATUS_SIZE_PPC64,	32 },	/* nip */
	{ EM_MIPS,	"mips",		PRSTATUS_SIZE_MIPS64,	34 },	/* cp0_epc */
	/*
	 * riscv64: pr_reg is struct user_regs_struct, pc then x1..x31
	 * (ra, sp, gp, ...); 112 + 32 * 8 + pr_fpvalid and its padding.
	 */
	{ EM_RISCV,	"riscv",	PRSTATUS_SIZE_RISCV64,	0 },	/* pc */
};

_Static_assert(PRSTATUS_SIZE_X86_64 <= PRSTATUS_READ_MAX &&
	       PRSTATUS_SIZE_ARM64 <= PRSTATUS_READ_MAX &&
	       PRSTATUS_SIZE_PPC64 <= PRSTATUS_READ_MAX &&
	       PRSTATUS_SIZE_MIPS64 <= PRSTATUS_READ_MAX &&
	       PRSTATUS_SIZE_RISCV64 <= PRSTATUS_READ_MAX,
	       "PRSTATUS_READ_MAX must cover every decoded elf_prstatus");

static int fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "vmcore-notes: PATH: message" on stderr; always returns -1. */
static int fail(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static uint16_t get16(const struct vmcore *vc, const uint8_t *p)
{
	if (vc->big_endian)
		return (uint16_t)(p[0] << 8 | p[1]);
	return (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const struct vmcore *vc, const uint8_t *p)
{
	if (vc->big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const struct vmcore *vc, const uint8_t *p)
{
	uint64_t hi = get32(vc, vc->big_endian ? p : p + 4);
	uint64_t lo = get32(vc, vc->big_endian ? p + 4 : p);

	return hi << 32 | lo;
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static const struct arch_info *find_arch(uint16_t machine)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i].machine == machine)
			return &arches[i];
	return NULL;
}

/*
 * Read up to @len bytes at @off.  Returns the number of bytes read, which
 * is short only at end of file, or -1 after reporting an error.
 */
static ssize_t read_at(const struct vmcore *vc, uint64_t off, void *buf,
		       size_t len)
{
	size_t done = 0;

	if (off > INT64_MAX || len > INT64_MAX - off)
		return fail(vc->path, "read at offset 0x%" PRIx64
			    " is out of range", off);

	while (done < len) {
		ssize_t n = pread(vc->fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(vc->path, "read error at offset 0x%" PRIx64
				    ": %s", off + done, strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Read exactly @len bytes at @off; a short read is an error. */
static int read_exact(const struct vmcore *vc, uint64_t off, void *buf,
		      size_t len, const char *what)
{
	ssize_t n = read_at(vc, off, buf, len);

	if (n < 0)
		return -1;
	if ((size_t)n < len)
		return fail(vc->path, "truncated: %s at offset 0x%" PRIx64
			    " needs %zu bytes, got %zd", what, off, len, n);
	return 0;
}

static int open_vmcore(struct vmcore *vc)
{
	struct stat st;
	off_t end;

	vc->fd = open(vc->path, O_RDONLY);
	if (vc->fd < 0)
		return fail(vc->path, "cannot open: %s", strerror(errno));
	if (fstat(vc->fd, &st) < 0)
		return fail(vc->path, "cannot stat: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(vc->path, "is a directory");
	if (S_ISREG(st.st_mode)) {
		vc->size = (uint64_t)st.st_size;
		return 0;
	}
	end = lseek(vc->fd, 0, SEEK_END);
	if (end < 0)
		return fail(vc->path, "cannot determine the file size: %s",
			    strerror(errno));
	vc->size = (uint64_t)end;
	return 0;
}

/* Check e_ident on the @n bytes (at most EHDR_SIZE) read from offset 0. */
static int check_ident(const struct vmcore *vc, const uint8_t *eh, size_t n)
{
	static const uint8_t magic[SELFMAG] = { ELFMAG0, ELFMAG1, ELFMAG2,
						ELFMAG3 };

	if (memcmp(eh, magic, n < SELFMAG ? n : SELFMAG) != 0)
		return fail(vc->path, "not an ELF file (magic %02x %02x %02x %02x, expected 7f 45 4c 46)",
			    eh[0], eh[1], eh[2], eh[3]);
	if (n > EI_CLASS && eh[EI_CLASS] == ELFCLASS32)
		return fail(vc->path, "unsupported ELF class 1 (ELF32); only ELF64 vmcores are supported");
	if (n > EI_CLASS && eh[EI_CLASS] != ELFCLASS64)
		return fail(vc->path, "unsupported ELF class %u; only ELF64 vmcores are supported",
			    eh[EI_CLASS]);
	if (n < EHDR_SIZE)
		return fail(vc->path, "truncated: %zu bytes, ELF header needs %d",
			    n, EHDR_SIZE);
	if (eh[EI_DATA] != ELFDATA2LSB && eh[EI_DATA] != ELFDATA2MSB)
		return fail(vc->path, "bad byte order (EI_DATA=%u)",
			    eh[EI_DATA]);
	return 0;
}

static int read_elf_header(struct vmcore *vc)
{
	uint8_t eh[EHDR_SIZE] = { 0 };
	ssize_t n = read_at(vc, 0, eh, sizeof(eh));
	uint16_t type;

	if (n < 0 || check_ident(vc, eh, (size_t)n))
		return -1;

	vc->big_endian = eh[EI_DATA] == ELFDATA2MSB;
	type = get16(vc, eh + E_TYPE);
	if (type != ET_CORE)
		return fail(vc->path, "not a core file (e_type=%u)", type);

	vc->machine = get16(vc, eh + E_MACHINE);
	vc->phoff = get64(vc, eh + E_PHOFF);
	vc->phentsize = get16(vc, eh + E_PHENTSIZE);
	vc->phnum = get16(vc, eh + E_PHNUM);
	vc->header_end = EHDR_SIZE;
	return 0;
}

/* Read program header @i; remember it if it is a PT_NOTE. */
static int read_phdr(struct vmcore *vc, unsigned int i)
{
	uint64_t off = vc->phoff + (uint64_t)i * vc->phentsize;
	uint8_t ph[PHDR_SIZE];
	struct note_seg seg = { .phdr_index = i };

	if (read_exact(vc, off, ph, sizeof(ph), "program header"))
		return -1;
	if (get32(vc, ph + P_TYPE) != PT_NOTE)
		return 0;

	seg.offset = get64(vc, ph + P_OFFSET);
	seg.size = get64(vc, ph + P_FILESZ);
	if (seg.size > vc->size || seg.offset > vc->size - seg.size)
		return fail(vc->path, "truncated: PT_NOTE segment %u (offset 0x%" PRIx64 ", %" PRIu64 " bytes) goes beyond end of file (%" PRIu64 " bytes)",
			    i, seg.offset, seg.size, vc->size);

	vc->segs[vc->nr_segs++] = seg;
	if (seg.offset + seg.size > vc->header_end)
		vc->header_end = seg.offset + seg.size;
	return 0;
}

static int read_program_headers(struct vmcore *vc)
{
	uint64_t table = (uint64_t)vc->phnum * vc->phentsize;
	unsigned int i;

	if (vc->phnum == 0)
		return 0;
	if (vc->phnum == PN_XNUM)
		return fail(vc->path, "extended program header numbering (e_phnum=0x%x) is not supported",
			    PN_XNUM);
	if (vc->phentsize < PHDR_SIZE)
		return fail(vc->path, "bad e_phentsize %u, program headers need %d bytes",
			    vc->phentsize, PHDR_SIZE);
	if (table > vc->size || vc->phoff > vc->size - table)
		return fail(vc->path, "truncated: %u program headers of %u bytes at offset 0x%" PRIx64 " go beyond end of file (%" PRIu64 " bytes)",
			    vc->phnum, vc->phentsize, vc->phoff, vc->size);
	if (vc->phoff + table > vc->header_end)
		vc->header_end = vc->phoff + table;

	vc->segs = calloc(vc->phnum, sizeof(*vc->segs));
	if (!vc->segs)
		return fail(vc->path, "out of memory");
	for (i = 0; i < vc->phnum; i++)
		if (read_phdr(vc, i))
			return -1;
	return 0;
}

static struct prstatus *new_prstatus(struct vmcore *vc)
{
	struct prstatus *pr;

	if (vc->nr_prs == vc->cap_prs) {
		size_t cap = vc->cap_prs ? vc->cap_prs * 2 : 16;

		pr = realloc(vc->prs, cap * sizeof(*pr));
		if (!pr)
			return NULL;
		vc->prs = pr;
		vc->cap_prs = cap;
	}
	pr = &vc->prs[vc->nr_prs++];
	memset(pr, 0, sizeof(*pr));
	return pr;
}

static int add_prstatus(struct vmcore *vc, uint64_t desc_off, uint32_t descsz)
{
	const struct arch_info *arch = find_arch(vc->machine);
	uint8_t desc[PRSTATUS_READ_MAX];
	size_t len = min_u64(descsz, sizeof(desc));
	struct prstatus *pr;

	if (read_exact(vc, desc_off, desc, len, "NT_PRSTATUS desc"))
		return -1;
	pr = new_prstatus(vc);
	if (!pr)
		return fail(vc->path, "out of memory");

	if (len >= PRSTATUS_PID_OFF + 4) {
		pr->pid_known = true;
		pr->pid = (int32_t)get32(vc, desc + PRSTATUS_PID_OFF);
	}
	if (!arch || !arch->prstatus_size) {
		pr->pc_state = PC_UNKNOWN;
	} else if (len < arch->prstatus_size) {
		pr->pc_state = PC_SHORT;
	} else {
		pr->pc_state = PC_KNOWN;
		pr->pc = get64(vc, desc + PRSTATUS_REG_OFF + 8 * arch->pc_reg);
	}
	return 0;
}

/* Copy a VMCOREINFO value, replacing non-printable bytes with '?'. */
static char *dup_value(const char *s, size_t len)
{
	char *v = malloc(len + 1);
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < len; i++)
		v[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	v[len] = '\0';
	return v;
}

/* If @line is "KEY=value", store a copy of value in *@dst (first wins). */
static int match_key(const char *line, size_t len, const char *key,
		     char **dst)
{
	size_t klen = strlen(key);

	if (*dst || len < klen || memcmp(line, key, klen) != 0)
		return 0;
	*dst = dup_value(line + klen, len - klen);
	return *dst ? 0 : -1;
}

static int parse_vmcoreinfo(struct vmcore *vc, const char *text, size_t len)
{
	const char *end = text + len;

	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t line_len = (size_t)((nl ? nl : end) - text);

		if (match_key(text, line_len, "OSRELEASE=", &vc->osrelease) ||
		    match_key(text, line_len, "CRASHTIME=", &vc->crashtime) ||
		    match_key(text, line_len, "KERNELOFFSET=", &vc->kerneloffset))
			return fail(vc->path, "out of memory");
		text += line_len + 1;
	}
	return 0;
}

static int read_vmcoreinfo(struct vmcore *vc, uint64_t desc_off,
			   uint32_t descsz)
{
	size_t len = min_u64(descsz, VMCOREINFO_READ_MAX);
	char *text = malloc(len + 1);
	int ret;

	if (!text)
		return fail(vc->path, "out of memory");
	ret = read_exact(vc, desc_off, text, len, "VMCOREINFO desc");
	if (!ret) {
		text[len] = '\0';
		vc->have_vmcoreinfo = true;
		ret = parse_vmcoreinfo(vc, text, strlen(text));
	}
	free(text);
	return ret;
}

/* True if the @namesz name bytes are @want, with or without its NUL. */
static bool name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t len = strlen(want);

	if (namesz == len + 1)
		return memcmp(name, want, len + 1) == 0;
	return namesz == len && memcmp(name, want, len) == 0;
}

/* Handle one bounds-checked note at file offset @off. */
static int handle_note(struct vmcore *vc, uint64_t off, uint32_t namesz,
		       uint32_t descsz, uint32_t type)
{
	uint64_t desc_off = off + NHDR_SIZE + align4(namesz);
	uint8_t name[NOTE_NAME_MAX];

	if (namesz > sizeof(name))
		return 0;
	if (read_exact(vc, off + NHDR_SIZE, name, namesz, "note name"))
		return -1;
	if (type == NT_PRSTATUS && name_is(name, namesz, "CORE"))
		return add_prstatus(vc, desc_off, descsz);
	if (type == 0 && name_is(name, namesz, "VMCOREINFO") &&
	    !vc->have_vmcoreinfo)
		return read_vmcoreinfo(vc, desc_off, descsz);
	return 0;
}

/* Returns 1 if the segment is all zero from sc->pos on, 0 if not, -1. */
static int rest_is_zero(const struct vmcore *vc, struct seg_scan *sc)
{
	uint64_t pos = sc->pos;
	uint8_t buf[4096];

	if (sc->nonzero_known && sc->nonzero_at >= sc->pos)
		return 0;
	while (pos < sc->seg->size) {
		size_t len = min_u64(sizeof(buf), sc->seg->size - pos);
		size_t i;

		if (read_exact(vc, sc->seg->offset + pos, buf, len,
			       "note segment"))
			return -1;
		for (i = 0; i < len; i++) {
			if (buf[i]) {
				sc->nonzero_known = true;
				sc->nonzero_at = pos + i;
				return 0;
			}
		}
		pos += len;
	}
	return 1;
}

/* Parse the note at sc->pos.  Returns 1 to go on, 0 at the end, or -1. */
static int scan_one_note(struct vmcore *vc, struct seg_scan *sc)
{
	uint64_t left = sc->seg->size - sc->pos;
	uint64_t off = sc->seg->offset + sc->pos;
	uint32_t namesz, descsz, type;
	uint8_t nh[NHDR_SIZE];
	uint64_t desc_room;
	int zero;

	if (left < NHDR_SIZE) {
		zero = rest_is_zero(vc, sc);
		if (zero)
			return zero < 0 ? -1 : 0;
		return fail(vc->path, "truncated: note header at offset 0x%" PRIx64 " needs %d bytes, segment has %" PRIu64 " left",
			    off, NHDR_SIZE, left);
	}
	if (read_exact(vc, off, nh, sizeof(nh), "note header"))
		return -1;
	namesz = get32(vc, nh);
	descsz = get32(vc, nh + 4);
	type = get32(vc, nh + 8);

	if (namesz == 0 && descsz == 0) {
		zero = rest_is_zero(vc, sc);
		if (zero)
			return zero < 0 ? -1 : 0;
		sc->pos += NHDR_SIZE;
		return 1;
	}

	if (namesz > left - NHDR_SIZE)
		return fail(vc->path, "note overrun at offset 0x%" PRIx64 ": namesz %" PRIu32 " exceeds segment (%" PRIu64 " bytes left)",
			    off, namesz, left - NHDR_SIZE);
	desc_room = left - min_u64(NHDR_SIZE + align4(namesz), left);
	if (descsz > desc_room)
		return fail(vc->path, "note overrun at offset 0x%" PRIx64 ": descsz %" PRIu32 " exceeds segment (%" PRIu64 " bytes left)",
			    off, descsz, desc_room);

	if (handle_note(vc, off, namesz, descsz, type))
		return -1;
	sc->pos += min_u64(NHDR_SIZE + align4(namesz) + align4(descsz), left);
	return 1;
}

static int scan_notes(struct vmcore *vc)
{
	size_t i;

	for (i = 0; i < vc->nr_segs; i++) {
		struct seg_scan sc = { .seg = &vc->segs[i] };
		int ret = 1;

		while (ret > 0 && sc.pos < sc.seg->size)
			ret = scan_one_note(vc, &sc);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int copy_header(const struct vmcore *vc, int ofd, const char *out)
{
	uint8_t *buf = malloc(IO_CHUNK);
	uint64_t off;
	int ret = 0;

	if (!buf)
		return fail(vc->path, "out of memory");
	for (off = 0; !ret && off < vc->header_end; off += IO_CHUNK) {
		size_t len = min_u64(IO_CHUNK, vc->header_end - off);

		ret = read_exact(vc, off, buf, len, "header");
		if (!ret && write_all(ofd, buf, len))
			ret = fail(out, "write error: %s", strerror(errno));
	}
	free(buf);
	return ret;
}

/* Write bytes [0, vc->header_end) of the vmcore to @out. */
static int write_header(const struct vmcore *vc, const char *out)
{
	struct stat in_st, out_st;
	int ofd, ret;

	if (fstat(vc->fd, &in_st) == 0 && stat(out, &out_st) == 0 &&
	    in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino)
		return fail(out, "--header-out would overwrite the input");

	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0)
		return fail(out, "cannot create: %s", strerror(errno));
	ret = copy_header(vc, ofd, out);
	if (close(ofd) && !ret)
		ret = fail(out, "write error: %s", strerror(errno));
	if (ret)
		unlink(out);
	return ret;
}

static void print_prstatus(const struct prstatus *pr, size_t index)
{
	printf("prstatus index=%zu", index);
	if (pr->pid_known)
		printf(" pid=%" PRId32, pr->pid);
	else
		printf(" pid=short");
	switch (pr->pc_state) {
	case PC_KNOWN:
		printf(" pc=0x%" PRIx64 "\n", pr->pc);
		break;
	case PC_UNKNOWN:
		printf(" pc=unknown\n");
		break;
	case PC_SHORT:
		printf(" pc=short\n");
		break;
	}
}

static void print_report(const struct vmcore *vc)
{
	const struct arch_info *arch = find_arch(vc->machine);
	size_t i;

	printf("class=ELF64\n");
	if (arch)
		printf("machine=%s\n", arch->name);
	else
		printf("machine=e_machine=%u\n", vc->machine);
	printf("prstatus_count=%zu\n", vc->nr_prs);
	for (i = 0; i < vc->nr_prs; i++)
		print_prstatus(&vc->prs[i], i);
	printf("vmcoreinfo=%s\n", vc->have_vmcoreinfo ? "yes" : "no");
	if (vc->osrelease)
		printf("osrelease=%s\n", vc->osrelease);
	if (vc->crashtime)
		printf("crashtime=%s\n", vc->crashtime);
	if (vc->kerneloffset)
		printf("kerneloffset=%s\n", vc->kerneloffset);
}

static int process(struct vmcore *vc, const char *header_out)
{
	if (open_vmcore(vc) || read_elf_header(vc) ||
	    read_program_headers(vc))
		return -1;
	if (header_out && write_header(vc, header_out))
		return -1;
	if (scan_notes(vc))
		return -1;

	print_report(vc);
	if (fflush(stdout) || ferror(stdout))
		return fail("<stdout>", "write error: %s", strerror(errno));
	return 0;
}

static void release(struct vmcore *vc)
{
	if (vc->fd >= 0)
		close(vc->fd);
	free(vc->segs);
	free(vc->prs);
	free(vc->osrelease);
	free(vc->crashtime);
	free(vc->kerneloffset);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--header-out FILE] VMCORE\n"
		"Print the ELF notes of a vmcore (e.g. /proc/vmcore) as key=value lines.\n"
		"  --header-out FILE  also save bytes [0, end of the PT_NOTE segments) to FILE\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "header-out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *header_out = NULL;
	struct vmcore vc = { .fd = -1 };
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			header_out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}

	vc.path = argv[optind];
	ret = process(&vc, header_out);
	release(&vc);
	return ret ? 2 : 0;
}
