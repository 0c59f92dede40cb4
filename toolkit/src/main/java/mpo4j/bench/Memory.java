package mpo4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process, from {@code /proc/self/status} (Linux). */
public final class Memory {
    private Memory() {}

    /** {@code VmRSS} in MiB, or {@code NaN} where {@code /proc} is not available. */
    public static double rssMb() { return statusMb("VmRSS:"); }

    /** The peak resident set size so far ({@code VmHWM}) in MiB, or {@code NaN} where {@code /proc} is not available. */
    public static double peakRssMb() { return statusMb("VmHWM:"); }

    private static double statusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** Java heap in use, in MiB (to tell heap growth from native growth). */
    public static double heapUsedMb() {
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / (1024.0 * 1024.0);
    }

    /** The 1-minute load average, or {@code NaN} (a loaded machine makes timings unreliable). */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
