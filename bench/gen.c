/*
 * Generates the benchmark's data sets, deterministically from a seed, with incompressible bytes (so no
 * tool gains from compression) written fast enough that generating is never the slow part.
 *
 *   gen dense FILE BYTES SEED
 *   gen sparse FILE BYTES DATA_PERCENT RUN_BYTES SEED
 *       a file of logical size BYTES whose data is DATA_PERCENT % of it, in runs of RUN_BYTES at distinct
 *       RUN_BYTES-aligned offsets chosen at random; the rest are holes
 *   gen tree DIR COUNT MIN_BYTES MAX_BYTES SEED
 *       COUNT files of MIN_BYTES..MAX_BYTES in DIR/dNN/dNN/fNNNNN.bin, 100 files to a directory; each such
 *       directory also holds a symlink lNNNNN.bin to every tenth of its files, a symlink `first` to the
 *       first of these directories (../../d00/d00) and an empty directory `empty`: a tree as users keep
 *       one, with more than regular files
 *   gen rewrite FILE SEED
 *       new bytes for FILE in place (same inode, same size), as an application rewriting it would
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUFFER_BYTES (1u << 20)

static uint64_t rng_state;

static uint64_t next_random(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill_random(unsigned char *buffer, size_t length)
{
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t value = next_random();
        memcpy(buffer + i, &value, 8);
    }
    if (i < length) {
        uint64_t value = next_random();
        memcpy(buffer + i, &value, length - i);
    }
}

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "gen: %s '%s': %s\n", what, path, strerror(errno));
    exit(1);
}

static unsigned long long parse_number(const char *text, const char *name)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        fprintf(stderr, "gen: %s must be a non-negative integer, got '%s'\n", name, text);
        exit(2);
    }
    return value;
}

static unsigned char buffer[BUFFER_BYTES];

/* Writes LENGTH random bytes at OFFSET of FD. */
static void write_random(int fd, const char *path, uint64_t offset, uint64_t length)
{
    while (length > 0) {
        size_t chunk = length < BUFFER_BYTES ? (size_t)length : BUFFER_BYTES;
        fill_random(buffer, chunk);
        for (size_t done = 0; done < chunk;) {
            ssize_t written = pwrite(fd, buffer + done, chunk - done, (off_t)(offset + done));
            if (written < 0) {
                if (errno == EINTR) {
                    continue;
                }
                fail("cannot write", path);
            }
            done += (size_t)written;
        }
        offset += chunk;
        length -= chunk;
    }
}

static int create_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail("cannot create", path);
    }
    return fd;
}

static void close_file(int fd, const char *path)
{
    if (close(fd) != 0) {
        fail("cannot close", path);
    }
}

static void make_dense(const char *path, uint64_t bytes)
{
    int fd = create_file(path);
    write_random(fd, path, 0, bytes);
    close_file(fd, path);
}

static void make_sparse(const char *path, uint64_t bytes, uint64_t percent, uint64_t run_bytes)
{
    if (run_bytes == 0 || percent > 100) {
        fprintf(stderr, "gen: sparse needs RUN_BYTES > 0 and DATA_PERCENT <= 100\n");
        exit(2);
    }
    uint64_t slots = bytes / run_bytes;
    uint64_t wanted = slots * percent / 100;
    /* A partial Fisher-Yates shuffle picks WANTED distinct slots, written in ascending offset order. */
    uint64_t *order = malloc((size_t)(slots ? slots : 1) * sizeof *order);
    unsigned char *chosen = calloc((size_t)(slots ? slots : 1), 1);
    if (order == NULL || chosen == NULL) {
        fprintf(stderr, "gen: out of memory for %llu slots\n", (unsigned long long)slots);
        exit(1);
    }
    for (uint64_t i = 0; i < slots; i++) {
        order[i] = i;
    }
    for (uint64_t i = 0; i < wanted; i++) {
        uint64_t j = i + next_random() % (slots - i);
        uint64_t swap = order[i];
        order[i] = order[j];
        order[j] = swap;
        chosen[order[i]] = 1;
    }
    int fd = create_file(path);
    if (ftruncate(fd, (off_t)bytes) != 0) {
        fail("cannot size", path);
    }
    for (uint64_t slot = 0; slot < slots; slot++) {
        if (chosen[slot]) {
            write_random(fd, path, slot * run_bytes, run_bytes);
        }
    }
    close_file(fd, path);
    free(order);
    free(chosen);
}

static void make_directory(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fail("cannot create directory", path);
    }
}

static void make_symlink(const char *target, const char *path)
{
    if (symlink(target, path) != 0) {
        fail("cannot create symlink", path);
    }
}

static void make_tree(const char *dir, uint64_t count, uint64_t min_bytes, uint64_t max_bytes)
{
    if (min_bytes > max_bytes) {
        fprintf(stderr, "gen: tree needs MIN_BYTES <= MAX_BYTES\n");
        exit(2);
    }
    char leaf_dir[4096], path[4200], target[64];
    make_directory(dir);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t leaf = i / 100;
        snprintf(leaf_dir, sizeof leaf_dir, "%s/d%02llu/d%02llu", dir, (unsigned long long)(leaf / 10),
            (unsigned long long)(leaf % 10));
        if (i % 100 == 0) {
            snprintf(path, sizeof path, "%s/d%02llu", dir, (unsigned long long)(leaf / 10));
            make_directory(path);
            make_directory(leaf_dir);
            snprintf(path, sizeof path, "%s/empty", leaf_dir);
            make_directory(path);
            snprintf(path, sizeof path, "%s/first", leaf_dir);
            make_symlink("../../d00/d00", path);
        }
        snprintf(path, sizeof path, "%s/f%05llu.bin", leaf_dir, (unsigned long long)i);
        make_dense(path, min_bytes + next_random() % (max_bytes - min_bytes + 1));
        if (i % 10 == 0) {
            snprintf(target, sizeof target, "f%05llu.bin", (unsigned long long)i);
            snprintf(path, sizeof path, "%s/l%05llu.bin", leaf_dir, (unsigned long long)i);
            make_symlink(target, path);
        }
    }
}

static void rewrite(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("cannot open", path);
    }
    struct stat status;
    if (fstat(fd, &status) != 0) {
        fail("cannot stat", path);
    }
    write_random(fd, path, 0, (uint64_t)status.st_size);
    close_file(fd, path);
}

static void usage(void)
{
    fprintf(stderr,
        "usage: gen dense FILE BYTES SEED\n"
        "       gen sparse FILE BYTES DATA_PERCENT RUN_BYTES SEED\n"
        "       gen tree DIR COUNT MIN_BYTES MAX_BYTES SEED\n"
        "       gen rewrite FILE SEED\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
    }
    const char *command = argv[1];
    if (strcmp(command, "dense") == 0 && argc == 5) {
        rng_state = parse_number(argv[4], "SEED");
        make_dense(argv[2], parse_number(argv[3], "BYTES"));
    } else if (strcmp(command, "sparse") == 0 && argc == 7) {
        rng_state = parse_number(argv[6], "SEED");
        make_sparse(argv[2], parse_number(argv[3], "BYTES"), parse_number(argv[4], "DATA_PERCENT"),
            parse_number(argv[5], "RUN_BYTES"));
    } else if (strcmp(command, "tree") == 0 && argc == 7) {
        rng_state = parse_number(argv[6], "SEED");
        make_tree(argv[2], parse_number(argv[3], "COUNT"), parse_number(argv[4], "MIN_BYTES"),
            parse_number(argv[5], "MAX_BYTES"));
    } else if (strcmp(command, "rewrite") == 0 && argc == 4) {
        rng_state = parse_number(argv[3], "SEED");
        rewrite(argv[2]);
    } else {
        usage();
    }
    return 0;
}
