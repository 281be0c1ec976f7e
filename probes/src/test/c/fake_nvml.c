/*
 * A fake libnvidia-ml.so.1 for tests on machines without an NVIDIA driver. It exports the NVML
 * symbols glyph-supervisor's JNA binding uses, with the real signatures, return codes and struct
 * layouts (nvml.h), so the binding under test is the production one, not a mock.
 *
 * State is scripted by the text file named in $FAKE_NVML_SCRIPT and re-read on every call, so a
 * test can change it while the JVM runs (memory climbing, a process appearing, the GPU falling off
 * the bus). One directive a line, '#' starts a comment:
 *
 *   epoch <token>                     changing it resets the per-device growth counters below
 *   driver <version>                  nvmlSystemGetDriverVersion (default 550.54.15)
 *   nvml <version>                    nvmlSystemGetNVMLVersion (default 12.550.54.15)
 *   device <uuid> <total> <used|auto> <name...> devices in index order, sizes in bytes; "auto": used is
 *                                     the sum of the listed processes' bytes plus the device's unowned bytes
 *   process <device-index> <pid> <bytes|NA>     a compute process; NA = NVML_VALUE_NOT_AVAILABLE
 *   unowned <device-index> <bytes>    memory in use that no listed process accounts for (the driver, a
 *                                     process NVML does not list, such as one in another container)
 *   marked <device-index> <NAME=value> <bytes>  every live process whose environment holds NAME=value is
 *                                     listed with <bytes>, as the driver lists the real processes that hold
 *                                     memory: a supervised server (GLYPH_SUPERVISOR_STATE_DIR=...) across
 *                                     its generations, without the test knowing its pids in advance
 *   linger <listed-ms> <unowned-ms>   what a marked process leaves when it dies: its pid stays listed with
 *                                     its bytes for <listed-ms> (-1: for good, a pid that outlives its tree),
 *                                     then its bytes stay in use, listed for no one, for <unowned-ms> (-1: for
 *                                     good), as a driver that frees a dead context late. Default 0 0
 *   fail <function|*> <code>          that exported function (or every device-level one) returns code
 *   stride 32                         write 32-byte process entries, as some 535.x drivers' headers had
 *   grow <device-index> <n> <times>   after each of the first <times> INSUFFICIENT_SIZE answers, n more
 *                                     processes appear on that device (pids 700000+), i.e. the list grows
 *                                     between the binding's count call and its fill call
 *
 * Built twice: as is (a current driver), and with -DOLD_DRIVER, which leaves out the symbols an old
 * driver lacks (nvmlDeviceGetComputeRunningProcesses_v3, nvmlDeviceGetMemoryInfo_v2) so the binding's
 * fallbacks meet a symbol that is really missing. Built without a DT_SONAME on purpose: glibc
 * matches a later dlopen("libnvidia-ml.so.1") against the sonames of loaded objects, which would let a
 * loaded fake answer the test that proves the real library is absent from this machine.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_UNKNOWN = 999,
};

#define NVML_VALUE_NOT_AVAILABLE (~0ULL)
#define NVML_STRUCT_VERSION(data, ver) (unsigned int)(sizeof(nvml##data##_v##ver##_t) | ((ver) << 24U))

typedef struct nvmlMemory_st {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

typedef struct nvmlMemory_v2_st {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_v2_t;

typedef struct nvmlProcessInfo_st {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_t;

/* The layout some 535.x nvml.h files gave nvmlProcessInfo_t: one more field, 32 bytes. */
typedef struct nvmlProcessInfo32_st {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
    unsigned long long usedGpuCcProtectedMemory;
} nvmlProcessInfo32_t;

#define MAX_DEVICES 16
#define MAX_PROCESSES 256
#define MAX_FAILS 32
#define MAX_MARKS 8
#define MAX_SEEN 256

struct fake_device {
    char uuid[96];
    char name[96];
    unsigned long long total;
    unsigned long long used;
    int used_auto;
    unsigned long long unowned;
};

struct fake_mark {
    int device;
    char entry[256]; /* NAME=value */
    unsigned long long bytes;
};

/* A process found through a mark: kept across calls (and script rewrites), so that its death can linger. */
struct seen_process {
    int device;
    char entry[256]; /* the mark that found it: forgotten when the script no longer has that mark */
    unsigned int pid;
    unsigned long long bytes;
    long long died_ms; /* 0 while alive: when a call first found it gone */
};

struct fake_process {
    int device;
    unsigned int pid;
    unsigned long long used;
};

struct fake_fail {
    char function[96];
    int code;
};

struct fake_state {
    char driver[80];
    char nvml[80];
    struct fake_device devices[MAX_DEVICES];
    int device_count;
    struct fake_process processes[MAX_PROCESSES];
    int process_count;
    struct fake_fail fails[MAX_FAILS];
    int fail_count;
    int stride;
    int grow_n[MAX_DEVICES];
    int grow_times[MAX_DEVICES];
    struct fake_mark marks[MAX_MARKS];
    int mark_count;
    long long linger_listed_ms;
    long long linger_unowned_ms;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_state state;
static char epoch[96];
static int grown[MAX_DEVICES]; /* INSUFFICIENT_SIZE answers that grew the list, per device, this epoch */
static int init_count;
/* Handles are addresses in this array: stable for the library's life, like the real ones. */
static char handles[MAX_DEVICES];
static struct seen_process seen[MAX_SEEN];
static int seen_count;

static void load_script(void) {
    memset(&state, 0, sizeof state);
    strcpy(state.driver, "550.54.15");
    strcpy(state.nvml, "12.550.54.15");
    state.stride = (int) sizeof(nvmlProcessInfo_t);
    const char *path = getenv("FAKE_NVML_SCRIPT");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) {
        return; /* no script: a driver with no devices */
    }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n#")] = '\0';
        char word[32];
        int used_chars = 0;
        if (sscanf(line, "%31s %n", word, &used_chars) != 1) {
            continue;
        }
        const char *rest = line + used_chars;
        if (strcmp(word, "epoch") == 0) {
            char token[96] = "";
            sscanf(rest, "%95s", token);
            if (strcmp(token, epoch) != 0) {
                strcpy(epoch, token);
                memset(grown, 0, sizeof grown);
            }
        } else if (strcmp(word, "driver") == 0) {
            sscanf(rest, "%79s", state.driver);
        } else if (strcmp(word, "nvml") == 0) {
            sscanf(rest, "%79s", state.nvml);
        } else if (strcmp(word, "device") == 0 && state.device_count < MAX_DEVICES) {
            struct fake_device *d = &state.devices[state.device_count];
            int name_at = 0;
            char used[32];
            if (sscanf(rest, "%95s %llu %31s %n", d->uuid, &d->total, used, &name_at) >= 3) {
                d->used_auto = strcmp(used, "auto") == 0;
                d->used = d->used_auto ? 0 : strtoull(used, NULL, 10);
                snprintf(d->name, sizeof d->name, "%s", rest + name_at);
                state.device_count++;
            }
        } else if (strcmp(word, "process") == 0 && state.process_count < MAX_PROCESSES) {
            struct fake_process *p = &state.processes[state.process_count];
            char bytes[32];
            if (sscanf(rest, "%d %u %31s", &p->device, &p->pid, bytes) == 3) {
                p->used = strcmp(bytes, "NA") == 0 ? NVML_VALUE_NOT_AVAILABLE : strtoull(bytes, NULL, 10);
                state.process_count++;
            }
        } else if (strcmp(word, "fail") == 0 && state.fail_count < MAX_FAILS) {
            struct fake_fail *x = &state.fails[state.fail_count];
            if (sscanf(rest, "%95s %d", x->function, &x->code) == 2) {
                state.fail_count++;
            }
        } else if (strcmp(word, "unowned") == 0) {
            int device;
            unsigned long long bytes;
            if (sscanf(rest, "%d %llu", &device, &bytes) == 2 && device >= 0 && device < MAX_DEVICES) {
                state.devices[device].unowned = bytes;
            }
        } else if (strcmp(word, "marked") == 0 && state.mark_count < MAX_MARKS) {
            struct fake_mark *m = &state.marks[state.mark_count];
            if (sscanf(rest, "%d %255s %llu", &m->device, m->entry, &m->bytes) == 3 && strchr(m->entry, '=') != NULL) {
                state.mark_count++;
            }
        } else if (strcmp(word, "linger") == 0) {
            sscanf(rest, "%lld %lld", &state.linger_listed_ms, &state.linger_unowned_ms);
        } else if (strcmp(word, "stride") == 0) {
            sscanf(rest, "%d", &state.stride);
        } else if (strcmp(word, "grow") == 0) {
            int device, n, times;
            if (sscanf(rest, "%d %d %d", &device, &n, &times) == 3 && device >= 0 && device < MAX_DEVICES) {
                state.grow_n[device] = n;
                state.grow_times[device] = times;
            }
        }
    }
    fclose(f);
}

/* The scripted failure for this function, if any; device_call says whether "fail *" applies. */
static int scripted_failure(const char *function, int device_call) {
    for (int i = 0; i < state.fail_count; i++) {
        if (strcmp(state.fails[i].function, function) == 0
                || (device_call && strcmp(state.fails[i].function, "*") == 0)) {
            return state.fails[i].code;
        }
    }
    return NVML_SUCCESS;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* The time of the current call, taken once, so that a process is listed or unowned alike for the whole call. */
static long long call_ms;

/* Alive and not a zombie, by /proc/<pid>/stat's state field (after the last ')' of the command name). */
static int alive(unsigned int pid) {
    char path[64];
    char line[1024];
    snprintf(path, sizeof path, "/proc/%u/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *close = strrchr(line, ')');
    return close != NULL && close[1] == ' ' && close[2] != 'Z' && close[2] != 'X';
}

/* The process's environment (NUL-separated entries), malloc'd; NULL when it cannot be read. */
static char *environment(unsigned int pid, size_t *length) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/environ", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    size_t size = 0;
    size_t room = 8192;
    char *buffer = malloc(room);
    size_t n;
    while (buffer && (n = fread(buffer + size, 1, room - size, f)) > 0) {
        size += n;
        if (size == room) {
            room *= 2;
            char *bigger = realloc(buffer, room);
            if (!bigger) {
                free(buffer);
            }
            buffer = bigger;
        }
    }
    fclose(f);
    *length = size;
    return buffer;
}

static int holds_entry(const char *env, size_t length, const char *entry) {
    size_t start = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i == length || env[i] == '\0') {
            if (i > start && strncmp(env + start, entry, i - start) == 0 && entry[i - start] == '\0') {
                return 1;
            }
            start = i + 1;
        }
    }
    return 0;
}

static struct seen_process *find_seen(int device, const char *entry, unsigned int pid) {
    for (int i = 0; i < seen_count; i++) {
        if (seen[i].device == device && seen[i].pid == pid && seen[i].died_ms == 0
                && strcmp(seen[i].entry, entry) == 0) {
            return &seen[i];
        }
    }
    return NULL;
}

/*
 * Finds the live processes of every "marked" directive and notes the deaths of those found before: a dead
 * one lingers (listed, then unowned) as the "linger" directive says, and is forgotten after that.
 */
static void refresh_marks(void) {
    call_ms = now_ms();
    if (state.mark_count == 0) {
        seen_count = 0;
        return;
    }
    long long now = call_ms;
    int found[MAX_SEEN] = {0};
    DIR *proc = opendir("/proc");
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL) {
        char *end;
        unsigned long pid = strtoul(e->d_name, &end, 10);
        if (*end != '\0' || pid == 0 || !alive((unsigned int) pid)) {
            continue;
        }
        size_t length = 0;
        char *env = environment((unsigned int) pid, &length);
        if (!env) {
            continue;
        }
        for (int m = 0; m < state.mark_count; m++) {
            if (!holds_entry(env, length, state.marks[m].entry)) {
                continue;
            }
            struct seen_process *p = find_seen(state.marks[m].device, state.marks[m].entry, (unsigned int) pid);
            if (p == NULL && seen_count < MAX_SEEN) {
                p = &seen[seen_count++];
                p->device = state.marks[m].device;
                strcpy(p->entry, state.marks[m].entry);
                p->pid = (unsigned int) pid;
                p->died_ms = 0;
            }
            if (p != NULL) {
                p->bytes = state.marks[m].bytes;
                found[p - seen] = 1;
            }
        }
        free(env);
    }
    if (proc) {
        closedir(proc);
    }
    int kept = 0;
    for (int i = 0; i < seen_count; i++) {
        struct seen_process p = seen[i];
        if (p.died_ms == 0 && !found[i]) {
            p.died_ms = now;
        }
        long long dead_for = p.died_ms == 0 ? -1 : now - p.died_ms;
        int gone = dead_for >= 0 && state.linger_listed_ms >= 0 && state.linger_unowned_ms >= 0
                && dead_for > state.linger_listed_ms + state.linger_unowned_ms;
        int still_marked = 0;
        for (int m = 0; m < state.mark_count; m++) {
            still_marked |= state.marks[m].device == p.device && strcmp(state.marks[m].entry, p.entry) == 0;
        }
        gone |= !still_marked;
        if (!gone) {
            seen[kept++] = p;
        }
    }
    seen_count = kept;
}

/* A seen process is listed while it lives and, once dead, for the "linger" directive's listed time. */
static int seen_listed(const struct seen_process *p) {
    return p->died_ms == 0 || state.linger_listed_ms < 0 || call_ms - p->died_ms <= state.linger_listed_ms;
}

/* Dead, no longer listed, and its memory not yet freed: the "linger" directive's unowned time after the listed one. */
static int seen_unowned(const struct seen_process *p) {
    return !seen_listed(p) && (state.linger_unowned_ms < 0
            || call_ms - p->died_ms <= state.linger_listed_ms + state.linger_unowned_ms);
}

/* Bytes in use on the device that no listed process accounts for: scripted, plus dead contexts not yet freed. */
static unsigned long long unowned_bytes(int device) {
    unsigned long long bytes = state.devices[device].unowned;
    for (int i = 0; i < seen_count; i++) {
        if (seen[i].device == device && seen_unowned(&seen[i])) {
            bytes += seen[i].bytes;
        }
    }
    return bytes;
}

static int device_processes(int device, struct fake_process *out);

/* What nvmlDeviceGetMemoryInfo says is used: scripted, or ("auto") the listed processes plus the unowned bytes. */
static unsigned long long used_bytes(int device) {
    if (!state.devices[device].used_auto) {
        return state.devices[device].used;
    }
    struct fake_process list[MAX_PROCESSES];
    int n = device_processes(device, list);
    unsigned long long used = unowned_bytes(device);
    for (int i = 0; i < n; i++) {
        if (list[i].used != NVML_VALUE_NOT_AVAILABLE) {
            used += list[i].used;
        }
    }
    return used;
}

/* Common prologue of device-level calls: fresh script, initialised, scripted failure, valid handle. */
static int enter_device(const char *function, nvmlDevice_t device, int *index) {
    load_script();
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    int failure = scripted_failure(function, 1);
    if (failure != NVML_SUCCESS) {
        return failure;
    }
    long i = (char *) device - handles;
    if (i < 0 || i >= state.device_count) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *index = (int) i;
    refresh_marks();
    return NVML_SUCCESS;
}

static int enter_system(const char *function) {
    load_script();
    if (init_count == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    return scripted_failure(function, 0);
}

static nvmlReturn_t copy_string(const char *value, char *out, unsigned int length) {
    if (out == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (strlen(value) + 1 > length) {
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    strcpy(out, value);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void) {
    pthread_mutex_lock(&lock);
    load_script();
    int rc = scripted_failure("nvmlInit_v2", 0);
    if (rc == NVML_SUCCESS) {
        init_count++;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlShutdown(void) {
    pthread_mutex_lock(&lock);
    int rc = init_count == 0 ? NVML_ERROR_UNINITIALIZED : NVML_SUCCESS;
    if (rc == NVML_SUCCESS) {
        init_count--;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* The strings of the real library, for the codes tests use. */
const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 6: return "Not Found";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 12: return "NVML Shared Library Not Found";
    case 13: return "Function Not Found";
    case 15: return "GPU is lost";
    case 16: return "GPU requires restart";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    pthread_mutex_lock(&lock);
    int rc = enter_system("nvmlSystemGetDriverVersion");
    if (rc == NVML_SUCCESS) {
        rc = copy_string(state.driver, version, length);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    pthread_mutex_lock(&lock);
    int rc = enter_system("nvmlSystemGetNVMLVersion");
    if (rc == NVML_SUCCESS) {
        rc = copy_string(state.nvml, version, length);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
    pthread_mutex_lock(&lock);
    int rc = enter_system("nvmlDeviceGetCount_v2");
    if (rc == NVML_SUCCESS) {
        *deviceCount = (unsigned int) state.device_count;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    pthread_mutex_lock(&lock);
    int rc = enter_system("nvmlDeviceGetHandleByIndex_v2");
    if (rc == NVML_SUCCESS) {
        if (index >= (unsigned int) state.device_count || device == NULL) {
            rc = NVML_ERROR_INVALID_ARGUMENT;
        } else {
            *device = (nvmlDevice_t) &handles[index];
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
    pthread_mutex_lock(&lock);
    int rc = enter_system("nvmlDeviceGetHandleByUUID");
    if (rc == NVML_SUCCESS) {
        rc = NVML_ERROR_NOT_FOUND;
        for (int i = 0; i < state.device_count; i++) {
            if (strcmp(state.devices[i].uuid, uuid) == 0) {
                *device = (nvmlDevice_t) &handles[i];
                rc = NVML_SUCCESS;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index) {
    pthread_mutex_lock(&lock);
    int i;
    int rc = enter_device("nvmlDeviceGetIndex", device, &i);
    if (rc == NVML_SUCCESS) {
        *index = (unsigned int) i;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    pthread_mutex_lock(&lock);
    int i;
    int rc = enter_device("nvmlDeviceGetName", device, &i);
    if (rc == NVML_SUCCESS) {
        rc = copy_string(state.devices[i].name, name, length);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    pthread_mutex_lock(&lock);
    int i;
    int rc = enter_device("nvmlDeviceGetUUID", device, &i);
    if (rc == NVML_SUCCESS) {
        rc = copy_string(state.devices[i].uuid, uuid, length);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    pthread_mutex_lock(&lock);
    int i;
    int rc = enter_device("nvmlDeviceGetMemoryInfo", device, &i);
    if (rc == NVML_SUCCESS) {
        unsigned long long used = used_bytes(i);
        memory->total = state.devices[i].total;
        memory->used = used;
        memory->free = state.devices[i].total - used;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

#ifndef OLD_DRIVER
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
    pthread_mutex_lock(&lock);
    int i;
    int rc = enter_device("nvmlDeviceGetMemoryInfo_v2", device, &i);
    if (rc == NVML_SUCCESS && memory->version != NVML_STRUCT_VERSION(Memory, 2)) {
        rc = 25; /* NVML_ERROR_ARGUMENT_VERSION_MISMATCH */
    }
    if (rc == NVML_SUCCESS) {
        unsigned long long used = used_bytes(i);
        memory->total = state.devices[i].total;
        memory->reserved = 0;
        memory->used = used;
        memory->free = state.devices[i].total - used;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}
#endif

/* The device's process list: the scripted ones, the marked ones, then any that "appeared" through grow. */
static int device_processes(int device, struct fake_process *out) {
    int n = 0;
    for (int i = 0; i < state.process_count; i++) {
        if (state.processes[i].device == device) {
            out[n++] = state.processes[i];
        }
    }
    for (int i = 0; i < seen_count && n < MAX_PROCESSES; i++) {
        if (seen[i].device == device && seen_listed(&seen[i])) {
            struct fake_process marked = {device, seen[i].pid, seen[i].bytes};
            out[n++] = marked;
        }
    }
    for (int k = 0; k < grown[device] * state.grow_n[device] && n < MAX_PROCESSES; k++) {
        struct fake_process extra = {device, 700000u + (unsigned int) k, 1ULL << 20};
        out[n++] = extra;
    }
    return n;
}

static nvmlReturn_t running_processes(const char *function, nvmlDevice_t device, unsigned int *infoCount,
                                      void *infos) {
    pthread_mutex_lock(&lock);
    int d;
    int rc = enter_device(function, device, &d);
    if (rc == NVML_SUCCESS && infoCount == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        struct fake_process list[MAX_PROCESSES];
        int n = device_processes(d, list);
        if (*infoCount < (unsigned int) n) {
            *infoCount = (unsigned int) n;
            rc = NVML_ERROR_INSUFFICIENT_SIZE;
            if (grown[d] < state.grow_times[d]) {
                grown[d]++;
            }
        } else if (n > 0 && infos == NULL) {
            rc = NVML_ERROR_INVALID_ARGUMENT;
        } else {
            for (int i = 0; i < n; i++) {
                nvmlProcessInfo32_t e = {list[i].pid, list[i].used, 0xFFFFFFFFu, 0xFFFFFFFFu, 0};
                memcpy((char *) infos + (size_t) i * (size_t) state.stride, &e, (size_t) state.stride);
            }
            *infoCount = (unsigned int) n;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount,
                                                     nvmlProcessInfo_t *infos) {
    return running_processes("nvmlDeviceGetComputeRunningProcesses_v2", device, infoCount, infos);
}

#ifndef OLD_DRIVER
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                     nvmlProcessInfo_t *infos) {
    return running_processes("nvmlDeviceGetComputeRunningProcesses_v3", device, infoCount, infos);
}
#endif
