package dev.glyphsupervisor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyphsupervisor.config.CronProbeSchedule;
import dev.glyphsupervisor.config.IntervalProbeSchedule;
import dev.glyphsupervisor.daemon.ProbeScheduler.ServerSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real timers and real Quartz (cron), short intervals, latches with deadlines: several servers' calls on one scheduler. */
@Timeout(60)
class ProbeSchedulerTest {

    private static final long DEADLINE_S = 20;

    private final List<ProbeScheduler> opened = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void close() {
        opened.forEach(ProbeScheduler::close);
    }

    private ProbeScheduler start(ServerSchedule... servers) throws Exception {
        ProbeScheduler scheduler = new ProbeScheduler(List.of(servers));
        opened.add(scheduler);
        scheduler.start();
        return scheduler;
    }

    private static ServerSchedule every(String server, long ms, Runnable probe) {
        return new ServerSchedule(server, new IntervalProbeSchedule(Duration.ofMillis(ms)), probe, Optional.empty(), () -> {
        });
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(DEADLINE_S, TimeUnit.SECONDS), "timed out waiting for " + what);
    }

    @Test
    void twoServersBothFire() throws Exception {
        CountDownLatch vllm = new CountDownLatch(3);
        CountDownLatch ui = new CountDownLatch(3);
        start(every("vllm", 40, vllm::countDown), every("ui", 60, ui::countDown));
        await(vllm, "three probe cycles of vllm");
        await(ui, "three probe cycles of ui");
    }

    @Test
    void aSlowProbeOfOneServerDoesNotDelayTheOther() throws Exception {
        CountDownLatch slowEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger slowRuns = new AtomicInteger();
        CountDownLatch fast = new CountDownLatch(10);
        start(every("slow", 30, () -> {
            slowRuns.incrementAndGet();
            slowEntered.countDown();
            awaitQuietly(release);
        }), every("fast", 30, fast::countDown));
        try {
            await(slowEntered, "the slow server's first cycle");
            await(fast, "ten cycles of the fast server while the slow one hangs");
            assertEquals(1, slowRuns.get(), "the slow server's cycle is still the first one");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aServersJobNeverOverlapsItself() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch secondRun = new CountDownLatch(1);
        CountDownLatch clock = new CountDownLatch(15); // the other server's cycles: time passing, without a sleep
        start(every("vllm", 20, () -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                if (runs.incrementAndGet() == 1) {
                    firstEntered.countDown();
                    awaitQuietly(release);
                } else {
                    secondRun.countDown();
                }
            } finally {
                running.decrementAndGet();
            }
        }), every("ui", 20, clock::countDown));
        await(firstEntered, "vllm's first cycle");
        await(clock, "fifteen cycles of ui: many of vllm's fire times have passed while its first cycle runs");
        assertEquals(1, runs.get(), "no second vllm cycle while the first runs");
        release.countDown();
        await(secondRun, "vllm's next cycle once the first is done");
        assertEquals(1, most.get(), "never two vllm cycles at once");
    }

    @Test
    void eachServersMaintenanceFiresItsOwnCall() throws Exception {
        CountDownLatch vllmDue = new CountDownLatch(1);
        AtomicInteger uiDue = new AtomicInteger();
        start(new ServerSchedule("vllm", new IntervalProbeSchedule(Duration.ofHours(1)), () -> { },
                        Optional.of(new CronProbeSchedule("* * * * * ?")), vllmDue::countDown),
                new ServerSchedule("ui", new IntervalProbeSchedule(Duration.ofHours(1)), () -> { },
                        Optional.empty(), uiDue::incrementAndGet));
        await(vllmDue, "vllm's maintenance (every second)");
        assertEquals(0, uiDue.get(), "ui has no maintenance schedule");
    }

    @Test
    void nextTimesPerServer() throws Exception {
        Instant before = Instant.now();
        ProbeScheduler scheduler = new ProbeScheduler(List.of(
                new ServerSchedule("vllm", new IntervalProbeSchedule(Duration.ofHours(1)), () -> { },
                        Optional.of(new CronProbeSchedule("0 0 3 * * ?")), () -> { }),
                new ServerSchedule("ui", new IntervalProbeSchedule(Duration.ofHours(1)), () -> { }, Optional.empty(), () -> { }),
                new ServerSchedule("gpu0", new CronProbeSchedule("0 * * * * ?"), () -> { }, Optional.empty(), () -> { })));
        opened.add(scheduler);
        assertEquals(List.of("vllm", "ui", "gpu0"), scheduler.servers());
        Instant vllm = scheduler.nextFireTime("vllm").orElseThrow();
        Instant ui = scheduler.nextFireTime("ui").orElseThrow();
        assertFalse(vllm.isBefore(before.plus(Duration.ofHours(1)).minusMillis(1)), vllm.toString());
        assertNotEquals(vllm, ui, "interval schedules are spread over the interval");
        assertEquals(0, vllm.getNano() % 1_000_000, "whole milliseconds, as status shows them: " + vllm);
        assertTrue(ui.isAfter(vllm) && ui.isBefore(vllm.plus(Duration.ofHours(1))), vllm + " then " + ui);
        assertEquals(0, scheduler.nextFireTime("gpu0").orElseThrow().getEpochSecond() % 60, "cron: the top of a minute");
        assertTrue(scheduler.nextMaintenanceTime("vllm").orElseThrow().isAfter(before));
        assertEquals(Optional.empty(), scheduler.nextMaintenanceTime("ui"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> scheduler.nextFireTime("vlm"));
        assertTrue(unknown.getMessage().contains("[vllm, ui, gpu0]"), unknown.getMessage());
        assertThrows(IllegalStateException.class, scheduler::nextFireTime, "several servers: name one");
    }

    @Test
    void theSingleServerConstructorIsServerDefault() throws Exception {
        CountDownLatch fired = new CountDownLatch(2);
        ProbeScheduler scheduler = new ProbeScheduler(new IntervalProbeSchedule(Duration.ofMillis(30)),
                fired::countDown, Optional.empty(), () -> { });
        opened.add(scheduler);
        assertEquals(List.of(ProbeScheduler.DEFAULT_SERVER), scheduler.servers());
        assertEquals(scheduler.nextFireTime(ProbeScheduler.DEFAULT_SERVER), scheduler.nextFireTime());
        assertEquals(Optional.empty(), scheduler.nextMaintenanceTime());
        scheduler.start();
        await(fired, "two cycles of the one server");
    }

    @Test
    void twoSchedulersInOneJvmAreIndependent() throws Exception {
        CountDownLatch first = new CountDownLatch(2);
        CountDownLatch second = new CountDownLatch(2);
        ProbeScheduler one = start(every("vllm", 30, first::countDown));
        start(every("vllm", 30, second::countDown));
        await(first, "the first scheduler");
        await(second, "the second scheduler");
        assertEquals(List.of("vllm"), one.servers());
    }

    @Test
    void sixteenServersShareAFewCycleThreads() throws Exception {
        java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<CountDownLatch> cycles = new ArrayList<>();
        List<ServerSchedule> sixteen = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            CountDownLatch five = new CountDownLatch(5);
            cycles.add(five);
            sixteen.add(every("gpu" + i, 50, () -> {
                threads.add(Thread.currentThread());
                names.add(Thread.currentThread().getName());
                five.countDown();
            }));
        }
        start(sixteen.toArray(ServerSchedule[]::new));
        for (int i = 0; i < 16; i++) {
            await(cycles.get(i), "five cycles of gpu" + i);
        }
        assertEquals(java.util.Set.of("glyph-probe"), names, "cycles run on the cycle threads, not Quartz's");
        assertTrue(threads.size() < 16, "quick cycles of 16 servers share threads instead of one each: " + threads.size());
    }

    @Test
    void intervalsAloneNeedNoQuartz() throws Exception {
        ProbeScheduler intervals = start(every("vllm", 1000, () -> { }), every("ui", 1000, () -> { }));
        assertFalse(intervals.usesQuartz(), "interval schedules run on the JDK's timer");
        ProbeScheduler withCron = start(every("vllm", 1000, () -> { }), new ServerSchedule("ui",
                new CronProbeSchedule("0 * * * * ?"), () -> { }, Optional.empty(), () -> { }));
        assertTrue(withCron.usesQuartz(), "a cron schedule runs on Quartz");
    }

    @Test
    void aMissedSlotIsSkippedNotBurst() {
        assertEquals(10, ProbeScheduler.nextSlot(0, 10, 5), "on time: the next slot");
        assertEquals(10, ProbeScheduler.nextSlot(0, 10, 10), "the next slot is now: it fires now");
        assertEquals(40, ProbeScheduler.nextSlot(0, 10, 35), "slots 10, 20 and 30 passed while busy: the next ahead");
        long second = Duration.ofSeconds(1).toNanos();
        assertTrue(ProbeScheduler.onTime(0, second), "late by the misfire threshold: still run");
        assertFalse(ProbeScheduler.onTime(0, second + 1), "later: a misfire, skipped");
    }

    @Test
    void noServerOrTwoOfOneNameAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ProbeScheduler(List.of()));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> new ProbeScheduler(
                List.of(every("vllm", 1000, () -> { }), every("vllm", 2000, () -> { }))));
        assertTrue(twice.getMessage().contains("'vllm'"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> every(" ", 1000, () -> { }));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(DEADLINE_S * 2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
