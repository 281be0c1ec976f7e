package dev.glyphsupervisor.probes.gpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The NVIDIA Management Library, loaded once for the daemon's life (Linux only).
 *
 * <p>Nothing happens at {@link #open}: the library is loaded and {@code nvmlInit_v2} called on first use,
 * so a daemon without GPU probes never touches it. It is loaded by its soname {@value #SONAME}, which the
 * driver installs (the unversioned {@code libnvidia-ml.so} comes only with development packages, and
 * JNA's short name {@code nvidia-ml} does not find a versioned library), or from a configured path for
 * unusual driver locations. A missing library or a failed init is not an exception but a state,
 * {@link #availability()}: a machine without an NVIDIA driver is normal, and a GPU probe then says
 * UNKNOWN. Neither is retried: the driver does not appear under a running daemon without a restart.
 *
 * <p>Thread-safe. Calls share a read lock and {@link #close()} takes the write lock, so nvmlShutdown
 * never runs under a call still using a handle.
 */
public final class Nvml implements AutoCloseable {

    public static final String SONAME = "libnvidia-ml.so.1";

    private final Optional<Path> libraryPath;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** Null until the first use; written under the write lock, volatile so the common path takes no lock. */
    private volatile NvmlAvailability availability;
    /** Set when available, cleared at close; guarded by {@link #lock}. */
    private NvmlSession session;

    private Nvml(Optional<Path> libraryPath) {
        this.libraryPath = Objects.requireNonNull(libraryPath, "libraryPath");
    }

    /** Never throws for a missing or broken library; {@link #availability()} tells. */
    public static Nvml open(Optional<Path> libraryPath) {
        return new Nvml(libraryPath);
    }

    public NvmlAvailability availability() {
        start();
        return availability;
    }

    public String driverVersion() {
        return call(NvmlSession::driverVersion);
    }

    public String nvmlVersion() {
        return call(NvmlSession::nvmlVersion);
    }

    public int deviceCount() {
        return call(NvmlSession::deviceCount);
    }

    /** Every device, in NVML's index order. */
    public List<GpuDevice> devices() {
        return call(s -> IntStream.range(0, s.deviceCount()).mapToObj(s::deviceByIndex).toList());
    }

    public GpuDevice deviceByIndex(int index) {
        return call(s -> s.deviceByIndex(index));
    }

    public GpuDevice deviceByUuid(String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        return call(s -> s.deviceByUuid(uuid));
    }

    /** nvmlDeviceGetMemoryInfo_v2 where the driver has it, else the v1 call. */
    public MemoryInfo memoryInfo(GpuDevice device) {
        return call(s -> s.memoryInfo(device));
    }

    /**
     * Every process with a compute context on the device, by host pid: nvmlDeviceGetComputeRunningProcesses_v3,
     * or _v2 on drivers without it. See {@link ProcessInfoLayout} for how the entry size is checked.
     */
    public List<GpuProcess> computeProcesses(GpuDevice device) {
        return call(s -> s.computeProcesses(device));
    }

    /** Which process-list call this driver gets, for diagnostics. */
    String processListSymbol() {
        return call(NvmlSession::processListSymbol);
    }

    /** Which memory-info call this driver gets, for diagnostics. */
    String memoryInfoSymbol() {
        return call(NvmlSession::memoryInfoSymbol);
    }

    /** nvmlShutdown if it was initialised; idempotent. Device handles die here, so later calls fail. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (session != null) {
                session.shutdown();
                session = null;
            }
            availability = NvmlAvailability.unavailable("NVML is closed");
        } finally {
            lock.writeLock().unlock();
        }
    }

    private <T> T call(Function<NvmlSession, T> body) {
        start();
        lock.readLock().lock();
        try {
            if (session == null) {
                throw new IllegalStateException("NVML is not available: " + availability.reason());
            }
            return body.apply(session);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void start() {
        if (availability != null) {
            return;
        }
        lock.writeLock().lock();
        try {
            if (availability == null) {
                availability = load();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Loads and initialises the library; sets {@link #session} on success. Called once, under the write lock. */
    private NvmlAvailability load() {
        String name = libraryPath.map(p -> p.toAbsolutePath().toString()).orElse(SONAME);
        if (libraryPath.isPresent() && !Files.exists(libraryPath.get())) {
            return NvmlAvailability.unavailable(name + " not found");
        }
        Map<String, Object> options = Map.of(Library.OPTION_STRING_ENCODING, "UTF-8");
        NvmlLibrary library;
        NativeLibrary symbols;
        try {
            symbols = NativeLibrary.getInstance(name, options);
            library = Native.load(name, NvmlLibrary.class, options);
        } catch (UnsatisfiedLinkError e) {
            return NvmlAvailability.unavailable(libraryPath.isPresent()
                    ? "cannot load " + name + ": " + e.getMessage()
                    : sonameNotLoaded(e));
        }
        int rc;
        try {
            rc = library.nvmlInit_v2();
        } catch (UnsatisfiedLinkError e) {
            return NvmlAvailability.unavailable(name + " is not an NVML library: " + e.getMessage());
        }
        if (rc != NvmlReturn.SUCCESS) {
            return NvmlAvailability.unavailable(
                    "nvmlInit failed: " + library.nvmlErrorString(rc) + " (" + NvmlReturn.name(rc) + ")");
        }
        session = new NvmlSession(library, symbols);
        return NvmlAvailability.AVAILABLE;
    }

    /** JNA's message lists every place it tried; the reason stays short when the library simply is not installed. */
    private static String sonameNotLoaded(UnsatisfiedLinkError e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains(SONAME + ": cannot open shared object file")) {
            return SONAME + " not found";
        }
        return "cannot load " + SONAME + ": " + message;
    }
}
