package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.StatusReply;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The detail view's progress and inference lines, as {@code glyphctl status NAME} prints them. */
class StatusCommandTest {

    private static final Instant AT = Instant.parse("2026-01-01T12:01:05Z");
    private static final ZoneId ZONE = ZoneOffset.UTC;
    private static final String METRICS = "http://127.0.0.1:8000/metrics";
    private static final String CHAT = "http://127.0.0.1:8000/v1/chat/completions";

    private static StatusReply status(Long pid, String lastReason, StatusReply.Progress progress,
                                      StatusReply.Inference inference) {
        return new StatusReply(pid == null ? "BACKOFF" : "RUNNING", pid, pid, 3, pid == null ? null : 75L, 1, 75,
                new StatusReply.Restarts(2, 2), new StatusReply.LastRestart(lastReason, lastReason == null ? null : AT, null),
                null, List.of(new StatusReply.ProbeLine("tcp", "SUCCESS", "open", 0.4)), 3L, pid != null, null, null,
                progress, inference, null, null, null, AT.plusSeconds(60), null, "c.yaml", "a.jsonl");
    }

    private static StatusReply.Progress progress(String status, String detail, boolean current, String hint) {
        return new StatusReply.Progress(status, detail, 2.0, 1234.0, 41.3, 0.0, null, 120.0, current, "vllm", METRICS, hint);
    }

    private static StatusReply.Inference inference(String verdict, Double ms, String detail, int failures,
                                                   Instant skippedAt, String skipped) {
        return new StatusReply.Inference(verdict, ms, detail, verdict == null ? null : AT, 200, failures, 3, false, null,
                skippedAt, skipped, AT.plusSeconds(60), "POST", CHAT);
    }

    private static List<String> lines(StatusReply s, String prefix) {
        StringWriter out = new StringWriter();
        StatusCommand.print(new PrintWriter(out, true), "vllm", s, ZONE);
        return out.toString().lines().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void theOverviewNotesTroubleFirst() {
        assertEquals("no progress 45 s, inference failing 2/3; requires embeddings", StatusCommand.note(
                new dev.glyphsupervisor.control.ServersReply.Line("vllm", "RUNNING", 1L, 1, 60L, 0, 0, null,
                        List.of("embeddings"), List.of(), null, "no progress 45 s, inference failing 2/3")));
        assertEquals("requires embeddings", StatusCommand.note(new dev.glyphsupervisor.control.ServersReply.Line("ui",
                "RUNNING", 1L, 1, 60L, 0, 0, null, List.of("embeddings"), List.of(), null, null)));
        assertEquals("progress unknown", StatusCommand.note(new dev.glyphsupervisor.control.ServersReply.Line("ui",
                "RUNNING", 1L, 1, 60L, 0, 0, null, List.of(), List.of(), null, "progress unknown")));
    }

    @Test
    void aProgressingServer() {
        StatusReply s = status(42L, null, progress("PROGRESSING", "2 pending, 41.3 steps/s", true, null),
                inference("OK", 183.4, "status 200 in 183 ms", 0, null, null));
        assertEquals(List.of("  progress    PROGRESSING 2 pending, 41.3 steps/s (vllm, stall after 120 s)"),
                lines(s, "  progress"));
        assertEquals(List.of("  inference   OK 183 ms at 12:01:05 (0 failures of 3), next at 12:02:05"),
                lines(s, "  inference"));
        assertEquals(List.of(), lines(s, "  hint"));
    }

    @Test
    void aStalledReadingDoesNotRepeatStallAfter() {
        StatusReply s = status(42L, null, progress("STALLED",
                "2 pending, no progress for 125 s (stall_after 120 s)", true, null), null);
        assertEquals(List.of("  progress    STALLED 2 pending, no progress for 125 s (stall_after 120 s) (vllm)"),
                lines(s, "  progress"));
        assertEquals(List.of(), lines(s, "  inference"), "no inference probe configured, no line");
    }

    @Test
    void anIdleServerSaysSoOnce() {
        StatusReply s = status(42L, null, progress("IDLE", "idle: nothing pending", true, null), null);
        assertEquals(List.of("  progress    IDLE nothing pending (vllm, stall after 120 s)"), lines(s, "  progress"));
    }

    @Test
    void metricsItCannotReadAreOneClearLine() {
        String why = "no series named vllm:iteration_tokens_total_count in " + METRICS
                + " (12 series): is this vLLM, with its /metrics on (the OpenAI server serves it by default)?";
        StatusReply s = status(42L, null, new StatusReply.Progress("UNKNOWN", why, null, null, null, 40.0, null, 120.0,
                true, "vllm", METRICS, null), null);
        assertEquals(List.of("  progress    UNKNOWN " + why), lines(s, "  progress"));
    }

    @Test
    void beforeTheFirstReadingAndFromBeforeTheLaunch() {
        StatusReply notYet = status(42L, null, new StatusReply.Progress(null, null, null, null, null, null, null, 90.5,
                null, null, METRICS, null), inference(null, null, null, 0, null, null));
        assertEquals(List.of("  progress    not read yet (metrics named in the config, stall after 90.5 s, " + METRICS + ")"),
                lines(notYet, "  progress"));
        assertEquals(List.of("  inference   not run yet (POST " + CHAT + "), next at 12:02:05"), lines(notYet, "  inference"));

        StatusReply stopped = status(null, "stalled", progress("STALLED", "2 pending, no progress for 125 s", false, null),
                null);
        assertEquals(List.of("  progress    server not running (the last reading: STALLED 2 pending, no progress for 125 s)"),
                lines(stopped, "  progress"));
        StatusReply stoppedAfterFailures = status(null, "inference_failed", null,
                inference("FAILED", 3000.0, "no response within 3s", 3, null, null));
        assertEquals(List.of("  inference   FAILED 3.0 s at 12:01:05 (3 failures of 3): no response within 3s"),
                lines(stoppedAfterFailures, "  inference"), "no next run while it cannot run");
        StatusReply starting = status(43L, "stalled", progress("STALLED", "2 pending, no progress for 125 s", false, null),
                null);
        assertEquals(List.of("  progress    no reading of generation 3 yet (the last reading: STALLED 2 pending, no progress"
                + " for 125 s)"), lines(starting, "  progress"));
    }

    @Test
    void repeatedStallsGetAHint() {
        String hint = "restarted 3 times in the last 10m, the last for a stall: a hang such as an NCCL deadlock can survive"
                + " a restart; the crash-loop budget (more than 5 restarts in 10m makes it FAILED) stops the retries";
        StatusReply s = status(42L, "stalled", progress("BASELINE", "first reading: counter 0, 0 pending", true, hint), null);
        assertEquals(List.of("  hint        " + hint), lines(s, "  hint"));
    }

    @Test
    void aFailureSaysWhatWasWrongAndCounts() {
        StatusReply s = status(42L, null, null, inference("FAILED", 10_000.0, "status 500 (expected 200); answer: boom", 1,
                null, null));
        assertEquals(List.of("  inference   FAILED 10.0 s at 12:01:05 (1 failure of 3): status 500 (expected 200); answer:"
                + " boom, next at 12:02:05"), lines(s, "  inference"));
        assertEquals(List.of(), lines(s, "  progress"));
    }

    @Test
    void aNewerSkipIsShownWithTheLastAnswer() {
        String why = "skipped: the server progressed since the last check (counter 10 → 20)";
        StatusReply s = status(42L, null, null, inference("OK", 150.0, "status 200", 0, AT.plusSeconds(60), why));
        assertEquals(List.of("  inference   " + why + " at 12:02:05; last run OK 150 ms at 12:01:05 (0 failures of 3),"
                + " next at 12:02:05"), lines(s, "  inference"));
        StatusReply older = status(42L, null, null, inference("OK", 150.0, "status 200", 0, AT.minusSeconds(60), why));
        assertTrue(lines(older, "  inference").get(0).startsWith("  inference   OK 150 ms"), lines(older, "  inference")::toString);
    }
}
