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
 *   device <uuid> <total> <used> <name...>      devices in index order, sizes in bytes
 *   process <device-index> <pid> <bytes|NA>     a compute process; NA = NVML_VALUE_NOT_AVAILABLE
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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct fake_device {
    char uuid[96];
    char name[96];
    unsigned long long total;
    unsigned long long used;
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
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_state state;
static char epoch[96];
static int grown[MAX_DEVICES]; /* INSUFFICIENT_SIZE answers that grew the list, per device, this epoch */
static int init_count;
/* Handles are addresses in this array: stable for the library's life, like the real ones. */
static char handles[MAX_DEVICES];

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
            if (sscanf(rest, "%95s %llu %llu %n", d->uuid, &d->total, &d->used, &name_at) >= 3) {
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
        memory->total = state.devices[i].total;
        memory->used = state.devices[i].used;
        memory->free = state.devices[i].total - state.devices[i].used;
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
        memory->total = state.devices[i].total;
        memory->reserved = 0;
        memory->used = state.devices[i].used;
        memory->free = state.devices[i].total - state.devices[i].used;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}
#endif

/* The device's process list: the scripted ones, then any that "appeared" through grow. */
static int device_processes(int device, struct fake_process *out) {
    int n = 0;
    for (int i = 0; i < state.process_count; i++) {
        if (state.processes[i].device == device) {
            out[n++] = state.processes[i];
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
