package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.ConfigException;
import dev.glyphsupervisor.config.ConfigLoader;

import java.util.Iterator;
import java.util.List;

/**
 * The server names of the config glyphctl would use (the system's, else the project's), for the completion script:
 * {@code glyphctl completion bash} writes them in, so {@code glyphctl restart <TAB>} offers them. Read only when
 * iterated, so that building the command model for any other call loads no config.
 */
final class ServerNameCandidates implements Iterable<String> {

    @Override
    public Iterator<String> iterator() {
        try {
            return ConfigLoader.load(new ConfigOption().resolve()).serverNames().iterator();
        } catch (ConfigException | RuntimeException e) {
            return List.<String>of().iterator(); // no readable config here: nothing to offer
        }
    }
}
