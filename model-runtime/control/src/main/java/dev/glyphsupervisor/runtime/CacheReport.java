package dev.glyphsupervisor.runtime;

import java.util.List;

/**
 * What a cache clearing removed.
 *
 * @param files       regular files and symbolic links removed (a link counts as one file; its target is
 *                    never touched)
 * @param directories directories removed
 * @param bytes       the sizes of the regular files removed
 * @param skipped     globs not cleared, each with the reason ("glob: why")
 * @param errors      paths that could not be removed, each with the error ("path: why")
 */
public record CacheReport(int files, int directories, long bytes, List<String> skipped, List<String> errors) {

    public CacheReport {
        skipped = List.copyOf(skipped);
        errors = List.copyOf(errors);
    }
}
