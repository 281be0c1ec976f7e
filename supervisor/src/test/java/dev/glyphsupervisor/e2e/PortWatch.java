package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The supervised program's port, seen from outside: open, answering 200, and which processes hold its listening socket. */
final class PortWatch {

    private PortWatch() {
    }

    /** A TCP connect to 127.0.0.1:port succeeds (a stopped server still accepts into its backlog). */
    static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** GET url answers 200 within a second. */
    static boolean healthy(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Socket inodes listening on the port (IPv4 and IPv6), from /proc/net/tcp{,6}. */
    static Set<Long> listeningInodes(int port) {
        Set<Long> inodes = new HashSet<>();
        String hexPort = String.format(":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                    if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                        inodes.add(Long.parseLong(f[9]));
                    }
                }
            } catch (IOException | NumberFormatException unreadable) {
                // no IPv6 table on this kernel, or a line we do not understand: not a listener of ours
            }
        }
        return inodes;
    }

    /** Whether the process has one of these sockets open. */
    static boolean holds(long pid, Set<Long> inodes) {
        if (inodes.isEmpty()) {
            return false;
        }
        java.io.File[] fds = new java.io.File("/proc/" + pid + "/fd").listFiles();
        if (fds == null) {
            return false;
        }
        for (java.io.File fd : fds) {
            try {
                String target = Files.readSymbolicLink(fd.toPath()).toString();
                if (target.startsWith("socket:[") && inodes.contains(Long.parseLong(target.substring(8, target.length() - 1)))) {
                    return true;
                }
            } catch (IOException | NumberFormatException closed) {
                // closed while we looked
            }
        }
        return false;
    }
}
