package dev.glyphsupervisor.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP GET health check: healthy when the status is {@code expectStatus} and, if set, the body
 * contains {@code expectBody}.
 *
 * @param url an http or https URI with a host
 */
public record HttpProbeConfig(URI url, Duration timeout, int expectStatus, Optional<String> expectBody) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_EXPECT_STATUS = 200;

    public HttpProbeConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(expectBody, "expectBody");
    }
}
