package dev.glyphsupervisor.reference;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Gives ONNX Runtime a per-user copy of its native libraries that outlives the process.
 *
 * <p>Left alone, ONNX Runtime extracts its 16 MB of libraries into a new {@code /tmp/onnxruntime-java*}
 * directory on every start and removes it only on a clean exit; a supervisor that SIGKILLs a hung
 * server leaves one behind per kill. So the libraries are copied once to
 * {@code ~/.cache/glyph-reference-runtime/onnxruntime-<platform>-<crc>} (or under {@code $XDG_CACHE_HOME}),
 * named by the jar entry's CRC so another ONNX Runtime version gets its own directory, and ONNX Runtime
 * is pointed there with its {@code onnxruntime.native.path} property. If that cannot be done, it falls
 * back to its own extraction.
 */
final class OnnxNatives {

    private static final String[] LIBRARIES = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};

    private OnnxNatives() {
    }

    /** Sets {@code onnxruntime.native.path} to the stable copy; returns why not, if it could not. */
    static Optional<String> useStableCopy() {
        String platform = platform();
        if (platform == null) {
            return Optional.of("no bundled ONNX Runtime for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        try {
            JarURLConnection main = jarEntry(platform, LIBRARIES[0]);
            Path dir = cacheHome().resolve("glyph-reference-runtime")
                    .resolve("onnxruntime-" + platform + "-" + Long.toHexString(main.getJarEntry().getCrc()));
            Files.createDirectories(dir);
            for (String library : LIBRARIES) {
                JarURLConnection entry = jarEntry(platform, library);
                Path target = dir.resolve(library);
                if (!Files.isRegularFile(target) || Files.size(target) != entry.getJarEntry().getSize()) {
                    // Copy aside and rename, so a process killed mid-copy never leaves a half library in place.
                    Path temp = Files.createTempFile(dir, library, ".tmp");
                    try (InputStream in = entry.getInputStream()) {
                        Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } finally {
                        Files.deleteIfExists(temp);
                    }
                }
            }
            System.setProperty("onnxruntime.native.path", dir.toString());
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(e.toString());
        }
    }

    private static JarURLConnection jarEntry(String platform, String library) throws IOException {
        String resource = "/ai/onnxruntime/native/" + platform + "/" + library;
        URL url = OnnxNatives.class.getResource(resource);
        if (url == null) {
            throw new IOException(resource + " is not on the class path");
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            throw new IOException(resource + " is not in a jar: " + url);
        }
        return jar;
    }

    /** ONNX Runtime's directory name for this machine, for the platforms the jar carries. */
    private static String platform() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "linux-x64";
            case "aarch64" -> "linux-aarch64";
            default -> null;
        };
    }

    private static Path cacheHome() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    }
}
