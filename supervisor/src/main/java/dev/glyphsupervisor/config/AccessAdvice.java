package dev.glyphsupervisor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Who may read a file that this user may not, and how to become one of them: from the owner, group and mode of
 * the file, or of the nearest directory above it that this user can see (a closed directory hides the file's
 * own). An installed system keeps its config in a {@code root:glyph 0750} directory, so an operator outside
 * group glyph learns to ask for that group, not that the file is missing.
 */
final class AccessAdvice {

    private AccessAdvice() {
    }

    /** E.g. "/etc/glyph-supervisor is root:glyph rwxr-x---: run this as root or as a member of group glyph (...)". */
    static String forUnreadable(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        for (Path at = absolute; at != null; at = at.getParent()) {
            PosixFileAttributes attributes;
            try {
                attributes = Files.readAttributes(at, PosixFileAttributes.class);
            } catch (IOException | UnsupportedOperationException e) {
                continue; // hidden by a directory above it: look there
            }
            String owner = attributes.owner().getName();
            String group = attributes.group().getName();
            Set<PosixFilePermission> mode = attributes.permissions();
            // To read the file the group needs r on it; to get through a directory it needs x.
            boolean groupMay = mode.contains(at.equals(absolute) ? PosixFilePermission.GROUP_READ : PosixFilePermission.GROUP_EXECUTE);
            String user = System.getProperty("user.name");
            String who = at + " is " + owner + ":" + group + " " + PosixFilePermissions.toString(mode);
            return groupMay
                    ? who + ": run this as " + owner + " or as a member of group " + group + " (an administrator adds you with: "
                            + "sudo usermod -aG " + group + " " + user + "; then log in again), or with sudo"
                    : who + ": run this as " + owner + " or with sudo";
        }
        return "run this as a user who may read it, or with sudo";
    }
}
