package dev.glyphsupervisor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.JsonElement;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.MetricsConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Service;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes, validated without a cluster:
 * <ul>
 *   <li>Deployment, Service and the generated ConfigMap against the Kubernetes API's own models: client-java-api's
 *       classes are generated from the OpenAPI spec of a Kubernetes release (25.0.0: Kubernetes 1.34), and their
 *       {@code validateJsonElement} refuses unknown fields, missing required fields and wrong JSON types at every
 *       level; then the client's own deserializer parses what those checks leave as strings (quantities,
 *       int-or-string ports).</li>
 *   <li>The PodMonitor against fabric8's model of the Prometheus Operator's CRDs: every field must bind to a property
 *       of the model (nothing left in an {@code additionalProperties} map), and durations match the CRD's pattern.</li>
 *   <li>The numbers the manifests take from config.yaml, recomputed from the config as the daemon loads it.</li>
 * </ul>
 * Each validator is also shown a broken copy, so that a validator that accepts anything fails here.
 */
class KubernetesManifestsTest {

    static final Path DIR = Path.of(System.getProperty("basedir", "."), "..", "deploy", "kubernetes")
            .toAbsolutePath().normalize();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON_MAPPER = new ObjectMapper();
    /** The Prometheus Operator CRDs' {@code Duration} pattern ({@code monitoring.coreos.com/v1}). */
    private static final Pattern PROMETHEUS_DURATION =
            Pattern.compile("^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$");

    /** Every object kustomize would render (the resources and the generated ConfigMap), by kind. */
    private static Map<String, JsonNode> rendered() throws IOException {
        JsonNode kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
        Map<String, JsonNode> objects = new LinkedHashMap<>();
        for (JsonNode resource : kustomization.path("resources")) {
            JsonNode object = YAML.readTree(DIR.resolve(resource.asText()).toFile());
            assertFalse(objects.containsKey(object.path("kind").asText()), "two of a kind: " + resource);
            objects.put(object.path("kind").asText(), object);
        }
        JsonNode generator = kustomization.path("configMapGenerator").get(0);
        ObjectNode configMap = JsonNodeFactory.instance.objectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        configMap.putObject("metadata").put("name", generator.path("name").asText());
        ObjectNode data = configMap.putObject("data");
        for (JsonNode file : generator.path("files")) {
            data.put(file.asText(), Files.readString(DIR.resolve(file.asText())));
        }
        objects.put("ConfigMap", configMap);
        return objects;
    }

    /** The Kubernetes models' checks, then their deserializer; a problem is an exception naming the field. */
    private static void validateCore(JsonNode object) throws IOException {
        String json = JSON_MAPPER.writeValueAsString(object);
        JsonElement element = com.google.gson.JsonParser.parseString(json);
        String kind = object.path("kind").asText();
        String apiVersion = object.path("apiVersion").asText();
        switch (kind) {
            case "Deployment" -> {
                assertEquals("apps/v1", apiVersion);
                V1Deployment.validateJsonElement(element);
                new JSON().deserialize(json, V1Deployment.class);
            }
            case "Service" -> {
                assertEquals("v1", apiVersion);
                V1Service.validateJsonElement(element);
                new JSON().deserialize(json, V1Service.class);
            }
            case "ConfigMap" -> {
                assertEquals("v1", apiVersion);
                V1ConfigMap.validateJsonElement(element);
                new JSON().deserialize(json, V1ConfigMap.class);
            }
            default -> throw new AssertionError("no validator for kind " + kind);
        }
    }

    /** Binds to fabric8's PodMonitor and lists every field the model does not have, by its path. */
    private static List<String> podMonitorProblems(JsonNode object) throws IOException {
        List<String> problems = new ArrayList<>();
        if (!object.path("apiVersion").asText().equals("monitoring.coreos.com/v1")) {
            problems.add("apiVersion: " + object.path("apiVersion"));
        }
        PodMonitor monitor = JSON_MAPPER.treeToValue(object, PodMonitor.class);
        unknownFields(monitor, "", problems);
        if (monitor.getSpec() == null || monitor.getSpec().getSelector() == null) {
            problems.add("spec.selector: required");
        } else {
            monitor.getSpec().getPodMetricsEndpoints().forEach(e -> {
                Stream.of(e.getInterval(), e.getScrapeTimeout()).filter(d -> d != null)
                        .filter(d -> !PROMETHEUS_DURATION.matcher(d).matches())
                        .forEach(d -> problems.add("podMetricsEndpoints: '" + d + "' is not a Prometheus duration"));
                if (e.getScheme() != null && !List.of("http", "https", "HTTP", "HTTPS").contains(e.getScheme())) {
                    problems.add("podMetricsEndpoints.scheme: " + e.getScheme());
                }
            });
        }
        return problems;
    }

    private static void unknownFields(Object value, String path, List<String> problems) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                unknownFields(list.get(i), path + "[" + i + "]", problems);
            }
        } else if (value != null && value.getClass().getName().startsWith("io.fabric8.")) {
            for (Method m : value.getClass().getMethods()) {
                if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                    continue;
                }
                Object got;
                try {
                    got = m.invoke(value);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(m.toString(), e);
                }
                if (m.getName().equals("getAdditionalProperties")) {
                    if (got instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        problems.add((path.isEmpty() ? "" : path.substring(1) + ": ") + "unknown field(s) " + extra.keySet());
                    }
                } else {
                    String name = m.getName().substring(3);
                    unknownFields(got, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), problems);
                }
            }
        }
    }

    @Test
    void everyManifestIsListedAndEveryListedFileExists() throws IOException {
        JsonNode kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
        List<String> listed = new ArrayList<>();
        kustomization.path("resources").forEach(r -> listed.add(r.asText()));
        kustomization.path("configMapGenerator").forEach(g -> g.path("files").forEach(f -> listed.add(f.asText())));
        List<String> present;
        try (Stream<Path> files = Files.list(DIR)) {
            present = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .filter(n -> !n.equals("kustomization.yaml")).sorted().collect(Collectors.toList());
        }
        assertEquals(present, listed.stream().sorted().collect(Collectors.toList()));
        assertEquals(Map.of("ConfigMap", 1, "Deployment", 1, "Service", 1, "PodMonitor", 1),
                rendered().keySet().stream().collect(Collectors.toMap(k -> k, k -> 1)));
    }

    @Test
    void theCoreObjectsAreValidForKubernetes() throws IOException {
        for (JsonNode object : rendered().values()) {
            if (!object.path("kind").asText().equals("PodMonitor")) {
                validateCore(object);
            }
        }
    }

    @Test
    void theCoreValidatorRefusesWhatAClusterRefuses() throws IOException {
        JsonNode deployment = rendered().get("Deployment");
        ObjectNode misspelt = deployment.deepCopy();
        container(misspelt).set("livenesProbe", container(misspelt).remove("livenessProbe"));
        assertRefused(misspelt, "The field `livenesProbe` in the JSON string is not defined in the `V1Container` properties");
        ObjectNode nested = deployment.deepCopy();
        ((ObjectNode) container(nested).path("readinessProbe")).put("periodSecond", 5);
        assertRefused(nested, "The field `periodSecond` in the JSON string is not defined in the `V1Probe` properties");
        ObjectNode wrongType = deployment.deepCopy();
        ((ObjectNode) wrongType.path("spec")).put("replicas", "one");
        assertThrows(RuntimeException.class, () -> validateCore(wrongType), "replicas: \"one\" was accepted");
        ObjectNode noName = deployment.deepCopy();
        container(noName).remove("name");
        assertRefused(noName, "The required field `name` is not found in the JSON string");
        ObjectNode badQuantity = deployment.deepCopy();
        ((ObjectNode) container(badQuantity).path("resources").path("limits")).put("memory", "48 gigs");
        assertThrows(RuntimeException.class, () -> validateCore(badQuantity), "memory: 48 gigs was accepted");
    }

    private static void assertRefused(JsonNode object, String message) {
        Exception e = assertThrows(Exception.class, () -> validateCore(object), message);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    private static ObjectNode container(JsonNode deployment) {
        return (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0);
    }

    @Test
    void thePodMonitorBindsToThePrometheusOperatorsModel() throws IOException {
        JsonNode monitor = rendered().get("PodMonitor");
        assertEquals(List.of(), podMonitorProblems(monitor));

        ObjectNode misspelt = monitor.deepCopy();
        ((ObjectNode) misspelt.path("spec")).set("podMetricEndpoints", ((ObjectNode) misspelt.path("spec")).remove("podMetricsEndpoints"));
        assertEquals(List.of("spec: unknown field(s) [podMetricEndpoints]"), podMonitorProblems(misspelt));
        ObjectNode deep = monitor.deepCopy();
        ((ObjectNode) deep.path("spec").path("podMetricsEndpoints").get(0)).put("intervall", "30s").put("interval", "30 s");
        assertEquals(List.of("spec.podMetricsEndpoints[0]: unknown field(s) [intervall]",
                "podMetricsEndpoints: '30 s' is not a Prometheus duration"), podMonitorProblems(deep));
    }

    @Test
    void theSelectorsAndPortsMeet() throws IOException {
        Map<String, JsonNode> objects = rendered();
        JsonNode deployment = objects.get("Deployment");
        JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
        assertSubset(deployment.path("spec").path("selector").path("matchLabels"), podLabels, "Deployment selector");
        assertSubset(objects.get("Service").path("spec").path("selector"), podLabels, "Service selector");
        assertSubset(objects.get("PodMonitor").path("spec").path("selector").path("matchLabels"), podLabels, "PodMonitor selector");
        List<String> portNames = new ArrayList<>();
        container(deployment).path("ports").forEach(p -> portNames.add(p.path("name").asText()));
        objects.get("Service").path("spec").path("ports").forEach(p ->
                assertTrue(portNames.contains(p.path("targetPort").asText()), "Service port " + p));
        objects.get("PodMonitor").path("spec").path("podMetricsEndpoints").forEach(p ->
                assertTrue(portNames.contains(p.path("port").asText()), "PodMonitor port " + p));
        String configMap = objects.get("ConfigMap").path("metadata").path("name").asText();
        List<String> mounted = new ArrayList<>();
        deployment.path("spec").path("template").path("spec").path("volumes")
                .forEach(v -> mounted.add(v.path("configMap").path("name").asText()));
        assertTrue(mounted.contains(configMap), "the config volume is not the generated ConfigMap " + configMap);
    }

    private static void assertSubset(JsonNode selector, JsonNode labels, String what) {
        assertTrue(selector.size() > 0, what + " is empty");
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertEquals(e.getValue(), labels.path(e.getKey()), what + " " + e.getKey() + " does not select the pod");
        }
    }

    /** The config in the ConfigMap, loaded as the daemon loads it. */
    private static SupervisorConfig config() throws Exception {
        return ConfigLoader.load(DIR.resolve("config.yaml"));
    }

    @Test
    void theDaemonRunsOnTheMountedConfigAndListensWhereTheProbesAsk() throws Exception {
        JsonNode deployment = rendered().get("Deployment");
        JsonNode c = container(deployment);
        List<String> command = new ArrayList<>();
        c.path("command").forEach(a -> command.add(a.asText()));
        assertEquals(List.of("/opt/glyph-supervisor/bin/glyphctl", "daemon", "--config", "/etc/glyph-supervisor/config.yaml"), command);
        boolean mounted = false;
        for (JsonNode m : c.path("volumeMounts")) {
            mounted |= m.path("name").asText().equals("config") && m.path("mountPath").asText().equals("/etc/glyph-supervisor");
        }
        assertTrue(mounted, "the ConfigMap is not mounted at /etc/glyph-supervisor");

        MetricsConfig listen = config().metrics().orElseThrow();
        assertEquals("0.0.0.0", listen.host(), "kubelet probes the pod IP");
        int metricsPort = -1;
        for (JsonNode p : c.path("ports")) {
            if (p.path("name").asText().equals("metrics")) {
                metricsPort = p.path("containerPort").asInt();
            }
        }
        assertEquals(listen.port(), metricsPort);
        assertEquals("/readyz", c.path("startupProbe").path("httpGet").path("path").asText());
        assertEquals("/livez", c.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/readyz", c.path("readinessProbe").path("httpGet").path("path").asText());
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertEquals("metrics", c.path(probe).path("httpGet").path("port").asText(), probe);
            assertTrue(Duration.ofSeconds(c.path(probe).path("timeoutSeconds").asInt(1)).compareTo(StackHealth.ANSWER_WITHIN) > 0,
                    probe + ": kubelet's timeout must leave the daemon time to answer 503 itself");
        }
        assertEquals(1, c.path("resources").path("limits").path("nvidia.com/gpu").asInt(), "one GPU per pod");
        for (ServerConfig server : config().servers()) {
            if (server.runtime().port().isPresent()) {
                int port = server.runtime().port().getAsInt();
                boolean exposed = false;
                for (JsonNode p : c.path("ports")) {
                    exposed |= p.path("containerPort").asInt() == port;
                }
                assertTrue(exposed, server.name() + "'s port " + port + " is not a container port");
            }
        }
    }

    @Test
    void theGracePeriodCoversTheDaemonsShutdownBudget() throws Exception {
        ShutdownBudget budget = ShutdownBudget.of(config());
        assertEquals(Duration.ofSeconds(295), budget.total(), budget.describe());
        long grace = rendered().get("Deployment").path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds").asLong();
        assertTrue(grace >= budget.total().toSeconds(), "terminationGracePeriodSeconds " + grace + " < " + budget.describe());
        assertTrue(grace <= budget.total().toSeconds() + 30, "terminationGracePeriodSeconds " + grace + " is far above " + budget.describe());
    }

    @Test
    void theStartupWindowCoversTheStartupTimeoutsAlongTheLongestRequiresChain() throws Exception {
        SupervisorConfig config = config();
        Duration longest = Duration.ZERO;
        for (ServerConfig server : config.servers()) {
            Duration chain = startupChain(server, config);
            longest = chain.compareTo(longest) > 0 ? chain : longest;
        }
        assertEquals(Duration.ofMinutes(25), longest);
        JsonNode startup = container(rendered().get("Deployment")).path("startupProbe");
        long window = startup.path("periodSeconds").asLong() * startup.path("failureThreshold").asLong();
        assertTrue(window >= longest.toSeconds() + 60, "startupProbe window " + window + " s < " + longest + " + 60 s");
        assertTrue(window <= longest.toSeconds() + 300, "startupProbe window " + window + " s is far above " + longest);
    }

    /** A server becomes ready only after what it requires did: the startup timeouts add up along a chain. */
    private static Duration startupChain(ServerConfig server, SupervisorConfig config) {
        Duration before = Duration.ZERO;
        for (String required : server.requires()) {
            ServerConfig other = config.servers().stream().filter(s -> s.name().equals(required)).findFirst().orElseThrow();
            Duration chain = startupChain(other, config);
            before = chain.compareTo(before) > 0 ? chain : before;
        }
        return before.plus(server.runtime().startupTimeout());
    }
}
