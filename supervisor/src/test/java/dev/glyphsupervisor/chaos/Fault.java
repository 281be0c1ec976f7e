package dev.glyphsupervisor.chaos;

/** Injects one fault into a lane whose server is healthy, and waits for the daemon to detect it and heal. */
interface Fault {

    FaultRecord inject(Lane lane, AuditWatch.Serving serving) throws Exception;

    static Fault of(FaultKind kind) {
        return switch (kind) {
            case SERVER_SIGKILL -> new ServerKill(false);
            case PARENT_SIGKILL -> new ServerKill(true);
            case GROUP_SIGSTOP -> new GroupStop();
            case HEALTH_500 -> new FailingHealth(FaultKind.HEALTH_500, "500");
            case HEALTH_SLOW -> new FailingHealth(FaultKind.HEALTH_SLOW, "slow 5");
            case HOST_MEMORY -> new MemoryClimb();
            case PORT_GRAB -> new PortGrab();
            case CACHE_UNWRITABLE -> new CacheUnwritable();
            case DAEMON_SIGKILL -> new DaemonKill();
            case OPERATOR_CONCURRENT -> new OperatorConcurrent();
            case ENGINE_HANG -> new EngineHang();
            case INFERENCE_ERRORS -> new InferenceErrors();
            case SLOW_ANSWERS -> new SlowAnswers();
        };
    }
}
