package mpo4j.engine;

/**
 * Switches DJL to offline mode before the engine loads, so that the PyTorch natives come from the
 * {@code pytorch-native-cpu} jar on the class path and nothing is ever downloaded at run time.
 */
public final class Mpo4jEngine {
    private Mpo4jEngine() {}

    /** Idempotent; call before the first NDManager is created (the facade does it for you). */
    public static void ensureOffline() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("offline", "true");
        // Keep DJL from phoning home with usage statistics.
        System.setProperty("ai.djl.util.disable_telemetry", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }
}
