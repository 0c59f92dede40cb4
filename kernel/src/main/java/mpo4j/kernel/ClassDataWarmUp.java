package mpo4j.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * What a kernel's first minute loads, run once per build by {@code kernel/mpo4j-kernel.sh install} under
 * {@code -XX:ArchiveClassesAtExit}: the archive it leaves lets every later kernel map those classes (javac,
 * JShell, jjava and ZeroMQ, the toolkit and its libraries) instead of loading and verifying them again.
 * Started as {@code java -XX:ArchiveClassesAtExit=... -cp <the kernel's class path> mpo4j.kernel.ClassDataWarmUp}
 * with {@code -Dmpo4j.home} naming the checkout (its sample data is read). It binds a Jupyter connection on
 * free loopback ports, evaluates the start-up script and {@code cds-warmup.jsh} (what a first session does)
 * as a kernel would, renders the result, and exits. A step that fails is reported and skipped: the
 * archive then holds fewer classes, and a kernel never depends on it.
 */
public final class ClassDataWarmUp {
    private ClassDataWarmUp() {}

    /** Runs the warm-up and exits with 0, or 1 when the start-up script itself failed. */
    public static void main(String[] args) {
        int status = 0;
        try {
            openAndCloseConnection();
        } catch (Exception | LinkageError e) {
            System.err.println("mpo4j warm-up: the Jupyter connection step failed (skipped): " + e);
        }
        try (Mpo4jKernel kernel = new Mpo4jKernel(CellEvaluator.withStartup())) {
            kernel.onStartup();
            try {
                kernel.eval(warmUpScript());
                // Shown as a notebook shows a first session's values (the toolkit's HTML views).
                kernel.eval("cdsData");
                kernel.eval("cdsBatch");
                kernel.complete("dataset(\"x\").se", 17); // a first Tab press
            } catch (IOException | RuntimeException e) {
                System.err.println("mpo4j warm-up: cds-warmup.jsh failed (the archive holds fewer classes): " + e);
            }
            kernel.onShutdown(false);
        } catch (RuntimeException e) {
            System.err.println("mpo4j warm-up: the kernel did not start: " + e);
            status = 1;
        }
        // Threads left by native libraries or ZeroMQ must not keep the JVM (and the archive dump) waiting.
        System.exit(status);
    }

    private static void openAndCloseConnection() throws Exception {
        int[] ports = new int[5];
        for (int i = 0; i < ports.length; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                ports[i] = s.getLocalPort();
            }
        }
        String json = String.format("{\"shell_port\": %d, \"iopub_port\": %d, \"stdin_port\": %d, \"control_port\": %d,"
                + " \"hb_port\": %d, \"ip\": \"127.0.0.1\", \"key\": \"warm-up\", \"transport\": \"tcp\","
                + " \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"mpo4j\"}",
                ports[0], ports[1], ports[2], ports[3], ports[4]);
        Mpo4jConnection connection = new Mpo4jConnection(KernelConnectionProperties.parse(json));
        connection.connect();
        connection.close();
    }

    /** {@code cds-warmup.jsh}, shipped in the kernel jar next to {@code startup.jsh}. */
    static String warmUpScript() throws IOException {
        try (InputStream in = ClassDataWarmUp.class.getResourceAsStream("cds-warmup.jsh")) {
            if (in == null) {
                throw new IOException("cds-warmup.jsh is missing from the kernel jar (mpo4j/kernel/cds-warmup.jsh)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
