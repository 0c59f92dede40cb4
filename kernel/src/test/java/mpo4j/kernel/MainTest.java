package mpo4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    /**
     * Jupyter picks the kernel's ports and releases them before the kernel binds; another process can take
     * one in between. The kernel must then exit at once (Jupyter reports a dead kernel), not hang with its
     * non-daemon threads until Jupyter's one-minute start-up timeout.
     */
    @Test
    void aKernelThatCannotBindItsPortsExitsWithAnError(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int[] free = new int[4];
            for (int i = 0; i < free.length; i++) {
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    free[i] = s.getLocalPort();
                }
            }
            Path connection = dir.resolve("connection.json");
            Files.writeString(connection, String.format("{\"shell_port\": %d, \"iopub_port\": %d, \"stdin_port\": %d,"
                    + " \"control_port\": %d, \"hb_port\": %d, \"ip\": \"127.0.0.1\", \"key\": \"k\","
                    + " \"transport\": \"tcp\", \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"mpo4j\"}",
                    taken.getLocalPort(), free[0], free[1], free[2], free[3]));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process kernel = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), connection.toString())
                    .redirectErrorStream(true).start();
            boolean exited = kernel.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                kernel.destroyForcibly();
            }
            String output = new String(kernel.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(exited, "the kernel kept running after failing to bind:\n" + output);
            assertEquals(1, kernel.exitValue(), output);
            assertTrue(output.contains("mpo4j kernel: could not start with " + connection), output);
            assertTrue(output.contains("Address already in use"), output);
        }
    }
}
