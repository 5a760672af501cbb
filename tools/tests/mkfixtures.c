// SPDX-License-Identifier: GPL-2.0
/*
 * mkfixtures - write the synthetic vmcore headers used by run-tests.sh
 *
 * Usage: mkfixtures DIR
 *
 * Each fixture is laid out like the start of a kdump /proc/vmcore: the
 * ELF64 header, the program headers (PT_NOTE segments first, then
 * PT_LOADs whose data lies beyond the end of the file, as in a captured
 * header) and then the note segments.  The layout is deterministic, so
 * the tests can name exact offsets:
 *
 *   notes start at 64 + 56 * (number of program headers)
 *   a "CORE" note is 12 + 8 + descsz bytes (descsz a multiple of 4)
 *
 * Malformed fixtures are derived from good ones by truncation or by
 * patching single fields; see main() for the list.
 */

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EHDR_SIZE	64
#define PHDR_SIZE	56
#define PRSTATUS_PID	32
#define PRSTATUS_REG	112
#define X86_64_PRSTATUS	336
#define ARM64_PRSTATUS	392
#define PPC64_PRSTATUS	504
#define MIPS64_PRSTATUS	480
#define RISCV64_PRSTATUS	376
#define X86_64_RIP	16
#define ARM64_PC	32
#define PPC64_NIP	32
#define MIPS64_EPC	34
#define RISCV64_PC	0
#define MAX_SEGS	8

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool be;		/* byte order of the multi-byte puts */
};

struct cpu {
	int32_t pid;
	uint64_t pc;
};

static void reserve(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	b->cap = (b->len + n) * 2;
	b->p = realloc(b->p, b->cap);
	if (!b->p) {
		perror("mkfixtures");
		exit(1);
	}
}

static void put(struct buf *b, const void *d, size_t n)
{
	reserve(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put_zero(struct buf *b, size_t n)
{
	reserve(b, n);
	memset(b->p + b->len, 0, n);
	b->len += n;
}

static void store(uint8_t *p, uint64_t v, int size, bool be)
{
	int i;

	for (i = 0; i < size; i++)
		p[be ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put_int(struct buf *b, uint64_t v, int size)
{
	reserve(b, (size_t)size);
	store(b->p + b->len, v, size, b->be);
	b->len += (size_t)size;
}

static void pad4(struct buf *b)
{
	put_zero(b, (4 - b->len % 4) % 4);
}

static void free_buf(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Append an Elf64_Nhdr note; @name NULL means namesz 0. */
static void add_note(struct buf *seg, const char *name, uint32_t type,
		     const void *desc, size_t descsz)
{
	size_t namesz = name ? strlen(name) + 1 : 0;

	put_int(seg, namesz, 4);
	put_int(seg, descsz, 4);
	put_int(seg, type, 4);
	put(seg, name, namesz);
	pad4(seg);
	put(seg, desc, descsz);
	pad4(seg);
}

/*
 * Append an NT_PRSTATUS note of @size bytes.  Every byte around pr_pid
 * and every pr_reg slot holds a distinct non-zero pattern, so reading
 * the wrong offset or register gives a visibly wrong value.
 */
static void add_prstatus(struct buf *seg, size_t size, unsigned int pc_reg,
			 const struct cpu *cpu)
{
	uint8_t desc[1024];
	size_t i;

	for (i = 0; i < size; i++)
		desc[i] = (uint8_t)(0x80 + i % 0x70);
	for (i = 0; PRSTATUS_REG + 8 * (i + 1) <= size; i++)
		store(desc + PRSTATUS_REG + 8 * i, 0x5a5a000000000000ULL +
		      0x0101 * i, 8, seg->be);
	if (size >= PRSTATUS_PID + 16) {
		store(desc + PRSTATUS_PID + 4, (uint64_t)cpu->pid + 1000, 4,
		      seg->be);			/* pr_ppid */
		store(desc + PRSTATUS_PID + 8, 0x7777, 4, seg->be);
	}
	if (size >= PRSTATUS_PID + 4)
		store(desc + PRSTATUS_PID, (uint32_t)cpu->pid, 4, seg->be);
	if (PRSTATUS_REG + 8 * (pc_reg + 1) <= size)
		store(desc + PRSTATUS_REG + 8 * pc_reg, cpu->pc, 8, seg->be);
	add_note(seg, "CORE", NT_PRSTATUS, desc, size);
}

static void add_vmcoreinfo(struct buf *seg, const char *text)
{
	add_note(seg, "VMCOREINFO", 0, text, strlen(text));
}

/*
 * Build an ELF64 core: header, one PT_NOTE per @segs entry, @nr_loads
 * PT_LOADs pointing past the end of the file, then the segments' bytes.
 */
static void assemble(struct buf *out, bool be, uint16_t machine,
		     struct buf *segs, int nr_segs, int nr_loads)
{
	uint16_t phnum = (uint16_t)(nr_segs + nr_loads);
	uint64_t off = EHDR_SIZE + (uint64_t)PHDR_SIZE * phnum;
	static const uint8_t ident[EI_NIDENT] = {
		ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, 0,
		EV_CURRENT, ELFOSABI_NONE,
	};
	int i;

	out->be = be;
	put(out, ident, sizeof(ident));
	out->p[EI_DATA] = be ? ELFDATA2MSB : ELFDATA2LSB;
	put_int(out, ET_CORE, 2);
	put_int(out, machine, 2);
	put_int(out, EV_CURRENT, 4);
	put_int(out, 0, 8);			/* e_entry */
	put_int(out, EHDR_SIZE, 8);		/* e_phoff */
	put_int(out, 0, 8);			/* e_shoff */
	put_int(out, 0, 4);			/* e_flags */
	put_int(out, EHDR_SIZE, 2);		/* e_ehsize */
	put_int(out, PHDR_SIZE, 2);
	put_int(out, phnum, 2);
	put_int(out, 0, 2);			/* e_shentsize */
	put_int(out, 0, 2);			/* e_shnum */
	put_int(out, 0, 2);			/* e_shstrndx */

	for (i = 0; i < nr_segs; i++) {
		put_int(out, PT_NOTE, 4);
		put_int(out, 0, 4);		/* p_flags */
		put_int(out, off, 8);
		put_int(out, 0, 8);		/* p_vaddr */
		put_int(out, 0, 8);		/* p_paddr */
		put_int(out, segs[i].len, 8);	/* p_filesz */
		put_int(out, segs[i].len, 8);	/* p_memsz */
		put_int(out, 0, 8);		/* p_align */
		off += segs[i].len;
	}
	for (i = 0; i < nr_loads; i++) {
		put_int(out, PT_LOAD, 4);
		put_int(out, PF_R | PF_W | PF_X, 4);
		put_int(out, 0x100000 + 0x10000000ULL * i, 8);
		put_int(out, 0xffff888000000000ULL + 0x10000000ULL * i, 8);
		put_int(out, 0x10000000ULL * i, 8);
		put_int(out, 0x10000000, 8);
		put_int(out, 0x10000000, 8);
		put_int(out, 0, 8);
	}
	for (i = 0; i < nr_segs; i++)
		put(out, segs[i].p, segs[i].len);
}

static void write_file(const char *dir, const char *name, const void *p,
		       size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mkfixtures: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void patch(struct buf *b, size_t off, uint64_t v, int size)
{
	store(b->p + off, v, size, b->be);
}

/* Write @b with one field patched, leaving @b itself unchanged. */
static void write_patched(const char *dir, const char *name,
			  const struct buf *b, size_t off, uint64_t v,
			  int size)
{
	struct buf copy = { .be = b->be };

	put(&copy, b->p, b->len);
	patch(&copy, off, v, size);
	write_file(dir, name, copy.p, copy.len);
	free_buf(&copy);
}

static const char x86_info[] =
	"OSRELEASE=7.3.4\n"
	"BUILD-ID=0123456789abcdef\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff82a1b2c0\n"
	"NOT-OSRELEASE=decoy\n"
	"NUMBER(phys_base)=0\n"
	"KERNELOFFSET=0\n"
	"CRASHTIME=1763700000\n";

/*
 * x86_64, 4 CPUs.  Notes at 0xe8 (3 phdrs): CORE 0xe8, 0x24c, 0x3b0,
 * 0x514, then a CORE/NT_PRPSINFO and a LINUX note (both ignored), then
 * VMCOREINFO.
 */
static void make_x86_64(struct buf *out)
{
	static const struct cpu cpus[] = {
		{ 0, 0xffffffff81234567ULL },
		{ 153, 0xffffffff81abcdefULL },
		{ 1, 0xffffffff81000010ULL },
		{ 4242, 0xffffffff8100beefULL },
	};
	static const uint8_t psinfo[136] = { 1 };
	struct buf seg = { .be = false };
	size_t i;

	for (i = 0; i < 4; i++)
		add_prstatus(&seg, X86_64_PRSTATUS, X86_64_RIP, &cpus[i]);
	add_note(&seg, "CORE", NT_PRPSINFO, psinfo, sizeof(psinfo));
	add_note(&seg, "LINUX", 0x202, psinfo, 64);	/* NT_X86_XSTATE */
	add_vmcoreinfo(&seg, x86_info);
	assemble(out, false, EM_X86_64, &seg, 1, 2);
	free_buf(&seg);
}

static void make_arm64(const char *dir, const char *name, bool be,
		       const char *info)
{
	static const struct cpu cpus[] = {
		{ 0, 0xffff800080012340ULL },
		{ 65543, 0xffff8000800abcd0ULL },
	};
	struct buf seg = { .be = be }, out = { 0 };

	add_prstatus(&seg, ARM64_PRSTATUS, ARM64_PC, &cpus[0]);
	add_prstatus(&seg, ARM64_PRSTATUS, ARM64_PC, &cpus[1]);
	add_vmcoreinfo(&seg, info);
	assemble(&out, be, EM_AARCH64, &seg, 1, 1);
	write_file(dir, name, out.p, out.len);
	free_buf(&seg);
	free_buf(&out);
}

/*
 * 2 CPUs of a machine whose elf_prstatus is SIZE bytes with the pc at
 * pr_reg[PC_REG], either byte order: ppc64 (nip), mips64 (cp0_epc) and
 * riscv64 (pc).
 */
static void make_2cpu(const char *dir, const char *name, bool be,
		      uint16_t machine, size_t size, unsigned int pc_reg,
		      const char *info)
{
	static const struct cpu cpus[] = {
		{ 153, 0xc000000000001234ULL },
		{ 0, 0xc0000000000a5678ULL },
	};
	struct buf seg = { .be = be }, out = { 0 };

	add_prstatus(&seg, size, pc_reg, &cpus[0]);
	add_prstatus(&seg, size, pc_reg, &cpus[1]);
	if (info)
		add_vmcoreinfo(&seg, info);
	assemble(&out, be, machine, &seg, 1, 1);
	write_file(dir, name, out.p, out.len);
	free_buf(&seg);
	free_buf(&out);
}

/* A machine whose pc we do not decode: pc=unknown. */
static void make_other(const char *dir, const char *name, bool be,
		       uint16_t machine, bool info)
{
	static const struct cpu cpu = { 153, 0xc000000000001234ULL };
	struct buf seg = { .be = be }, out = { 0 };

	add_prstatus(&seg, PPC64_PRSTATUS, 32, &cpu);
	if (info)
		add_vmcoreinfo(&seg, "OSRELEASE=7.3.0-rc1\n");
	assemble(&out, be, machine, &seg, 1, 1);
	write_file(dir, name, out.p, out.len);
	free_buf(&seg);
	free_buf(&out);
}

/*
 * Zero padding and empty notes: a padded segment, a never-filled CPU
 * (all zero), an empty note before a real one, and an empty segment.
 */
static void make_sparse(const char *dir)
{
	static const struct cpu cpu0 = { 7, 0xffffffff81111111ULL };
	static const struct cpu cpu2 = { 9, 0xffffffff82222222ULL };
	struct buf segs[5] = { { 0 } }, out = { 0 };
	int i;

	add_prstatus(&segs[0], X86_64_PRSTATUS, X86_64_RIP, &cpu0);
	put_zero(&segs[0], 24);
	put_zero(&segs[1], 12 + 8 + X86_64_PRSTATUS);
	put_zero(&segs[2], 12);
	add_prstatus(&segs[2], X86_64_PRSTATUS, X86_64_RIP, &cpu2);
	put_zero(&segs[2], 4);
	add_vmcoreinfo(&segs[3], "CRASHTIME=1763700001\n");
	put_zero(&segs[3], 8);
	/* segs[4] stays empty: p_filesz 0 */
	assemble(&out, false, EM_X86_64, segs, 5, 1);
	write_file(dir, "sparse-notes.core", out.p, out.len);
	for (i = 0; i < 5; i++)
		free_buf(&segs[i]);
	free_buf(&out);
}

static void make_empty_notes(const char *dir)
{
	struct buf seg = { 0 }, out = { 0 };

	put_zero(&seg, 1024);
	assemble(&out, false, EM_X86_64, &seg, 1, 1);
	write_file(dir, "empty-notes.core", out.p, out.len);
	free_buf(&seg);
	free_buf(&out);
}

static void make_no_notes(const char *dir)
{
	struct buf out = { 0 };

	assemble(&out, false, EM_X86_64, NULL, 0, 2);
	write_file(dir, "no-notes.core", out.p, out.len);
	free_buf(&out);
}

/* prstatus descs too short for the pc (200 bytes) and for pr_pid (20). */
static void make_short_prstatus(const char *dir)
{
	static const struct cpu cpu = { 153, 0xffffffff81234567ULL };
	struct buf seg = { 0 }, out = { 0 };

	add_prstatus(&seg, 200, X86_64_RIP, &cpu);
	add_prstatus(&seg, 20, X86_64_RIP, &cpu);
	assemble(&out, false, EM_X86_64, &seg, 1, 1);
	write_file(dir, "short-prstatus.core", out.p, out.len);
	free_buf(&seg);
	free_buf(&out);
}

/* Valid notes followed by 8 non-zero bytes: less than a note header. */
static void make_trailing_garbage(const char *dir)
{
	static const struct cpu cpu = { 1, 0xffffffff81234567ULL };
	struct buf seg = { 0 }, out = { 0 };

	add_prstatus(&seg, X86_64_PRSTATUS, X86_64_RIP, &cpu);
	put(&seg, "garbage!", 8);
	assemble(&out, false, EM_X86_64, &seg, 1, 1);
	write_file(dir, "trailing-garbage.core", out.p, out.len);
	free_buf(&seg);
	free_buf(&out);
}

/* A small genuine ELF32 core: 52-byte header, one 32-byte PT_NOTE. */
static void make_elf32(const char *dir)
{
	static const uint8_t ident[EI_NIDENT] = {
		ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB,
		EV_CURRENT,
	};
	struct buf out = { 0 };

	put(&out, ident, sizeof(ident));
	put_int(&out, ET_CORE, 2);
	put_int(&out, EM_386, 2);
	put_int(&out, EV_CURRENT, 4);
	put_int(&out, 0, 4);		/* e_entry */
	put_int(&out, 52, 4);		/* e_phoff */
	put_int(&out, 0, 4);		/* e_shoff */
	put_int(&out, 0, 4);		/* e_flags */
	put_int(&out, 52, 2);		/* e_ehsize */
	put_int(&out, 32, 2);		/* e_phentsize */
	put_int(&out, 1, 2);		/* e_phnum */
	put_zero(&out, 6);
	put_int(&out, PT_NOTE, 4);
	put_int(&out, 84, 4);		/* p_offset */
	put_zero(&out, 8);
	put_int(&out, 24, 4);		/* p_filesz */
	put_int(&out, 24, 4);		/* p_memsz */
	put_zero(&out, 8);
	add_note(&out, "CORE", NT_PRPSINFO, "12345678", 8);
	write_file(dir, "elf32.core", out.p, out.len);
	free_buf(&out);
}

int main(int argc, char **argv)
{
	const char *dir;
	struct buf x86 = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: mkfixtures DIR\n");
		return 1;
	}
	dir = argv[1];

	make_x86_64(&x86);
	write_file(dir, "x86_64-4cpu.core", x86.p, x86.len);
	make_arm64(dir, "aarch64-2cpu.core", false, "OSRELEASE=7.3.4\n");
	make_arm64(dir, "aarch64be-2cpu.core", true,
		   "OSRELEASE=7.3.4-be\nCRASHTIME=1763700002\n");
	make_2cpu(dir, "ppc64be-2cpu.core", true, EM_PPC64, PPC64_PRSTATUS,
		  PPC64_NIP, NULL);
	make_2cpu(dir, "ppc64le-2cpu.core", false, EM_PPC64, PPC64_PRSTATUS,
		  PPC64_NIP, "OSRELEASE=7.3.4-psh-base\nCRASHTIME=1763700003\n");
	make_2cpu(dir, "mips64el-2cpu.core", false, EM_MIPS, MIPS64_PRSTATUS,
		  MIPS64_EPC, "OSRELEASE=7.3.4-psh-capture\n");
	make_2cpu(dir, "riscv64-2cpu.core", false, EM_RISCV, RISCV64_PRSTATUS,
		  RISCV64_PC, "OSRELEASE=7.3.4-psh-series\nCRASHTIME=1763700004\n");
	/* EM_LOONGARCH (258), spelt out: older elf.h lack the name */
	make_other(dir, "loongarch-1cpu.core", false, 258, true);
	make_sparse(dir);
	make_empty_notes(dir);
	make_no_notes(dir);
	make_short_prstatus(dir);
	make_trailing_garbage(dir);
	make_elf32(dir);

	/* Malformed variants of x86_64-4cpu.core */
	write_file(dir, "empty.core", "", 0);
	write_file(dir, "trunc-ehdr.core", x86.p, 40);
	write_file(dir, "trunc-phdrs.core", x86.p, EHDR_SIZE + PHDR_SIZE + 20);
	write_file(dir, "trunc-notes.core", x86.p, 0x24c + 100);
	write_patched(dir, "bad-magic.core", &x86, 1, 'X', 1);
	write_patched(dir, "bad-class.core", &x86, EI_CLASS, 7, 1);
	write_patched(dir, "bad-data.core", &x86, EI_DATA, 3, 1);
	write_patched(dir, "not-core.core", &x86, 16, ET_EXEC, 2);
	write_patched(dir, "bad-phentsize.core", &x86, 54, 32, 2);
	write_patched(dir, "phoff-overflow.core", &x86, 32,
		      0xffffffffffffff00ULL, 8);
	/* PT_NOTE p_offset (phdr 0 at 64, p_offset at +8) near 2^64 */
	write_patched(dir, "note-overflow.core", &x86, 64 + 8,
		      0xfffffffffffffff0ULL, 8);
	/* descsz of the second CORE note (at 0x24c) */
	write_patched(dir, "overrun-desc.core", &x86, 0x24c + 4, 4096, 4);
	/* namesz of the first CORE note (at 0xe8) */
	write_patched(dir, "overrun-name.core", &x86, 0xe8, 0x100000, 4);
	free_buf(&x86);
	return 0;
}
